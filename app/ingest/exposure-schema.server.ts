import { z } from "zod";
import {
  EXPERIMENT_KEY_PATTERN,
  MAX_EXPERIMENT_KEY_LENGTH,
} from "./payload-types";
import { epochMs } from "./shopify-event-schema.server";

// Validation of `ExposurePayload`: keys are short, plain identifiers, so a
// testing tool cannot fill the exposure table with free text.

const key = (kind: string) =>
  z
    .string("must be a string")
    .min(1, "must not be empty")
    .max(
      MAX_EXPERIMENT_KEY_LENGTH,
      `must be at most ${MAX_EXPERIMENT_KEY_LENGTH} characters`,
    )
    .regex(
      EXPERIMENT_KEY_PATTERN,
      `must be a ${kind} key of letters, digits, _, - and . such as checkout-button`,
    );

export const exposureSchema = z.object({
  type: z.literal("exposure"),
  experiment: key("experiment"),
  variant: key("variant"),
  at: epochMs,
});
