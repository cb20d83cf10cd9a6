import { Prisma, type Hypothesis } from "@prisma/client";
import type pg from "pg";
import { prisma } from "~/db.server";
import { planningReport } from "./experiment-report.server";
import {
  FINISHED_STATES,
  firstIssue,
  parseArms,
  stateSchema,
  testSettingsSchema,
} from "./hypothesis-schema";

export type ActionResult =
  { ok: true } | { ok: false; field: string; message: string };

/**
 * Saves how a hypothesis is tested and starts the test: the experiment key
 * and arms of an A/B test, or the day an unrandomised change went live.
 * The planned sessions of the control arm come from the pages' recent
 * traffic for the hypothesis's metric and the arms' split.
 */
export async function saveTestSettings(
  pool: pg.Pool,
  shop: { id: string; timezone: string },
  hypothesis: Hypothesis,
  form: Record<string, string>,
): Promise<ActionResult> {
  const parsed = testSettingsSchema.safeParse(form);
  if (!parsed.success) return { ok: false, ...firstIssue(parsed.error) };
  const settings = parsed.data;
  const parsedArms =
    settings.mode === "ab" ? parseArms(settings.variants ?? "") : [];
  const arms = typeof parsedArms === "string" ? [] : parsedArms;
  const input = {
    alpha: settings.alpha,
    power: settings.power,
    relativeEffect: settings.relativeEffect,
  };
  const plan = await planningReport(pool, shop, hypothesis.pages, input, arms);
  const planned =
    hypothesis.metric === "conversion" ? plan.conversion : plan.rps;

  try {
    await prisma.hypothesis.update({
      where: { shopId_id: { shopId: shop.id, id: hypothesis.id } },
      data: {
        ...input,
        mode: settings.mode,
        experimentKey: settings.mode === "ab" ? settings.experimentKey : null,
        variants: arms.map((arm) => ({ key: arm.key, weight: arm.weight })),
        changedAt: settings.changedAt
          ? new Date(`${settings.changedAt}T00:00:00Z`)
          : null,
        plannedSessionsPerArm: planned?.arms[0].sessions ?? null,
        state: "running",
        startedAt: hypothesis.startedAt ?? new Date(),
        endedAt: null,
      },
    });
  } catch (error) {
    if (
      error instanceof Prisma.PrismaClientKnownRequestError &&
      error.code === "P2002"
    ) {
      return {
        ok: false,
        field: "experimentKey",
        message: `Experiment key ${settings.experimentKey} belongs to another hypothesis: choose another key`,
      };
    }
    throw error;
  }
  return { ok: true };
}

/**
 * Moves a hypothesis to another state. A finished test (won, lost or
 * inconclusive) requires its learning, so losers keep theirs too.
 */
export async function saveState(
  shopId: string,
  hypothesis: Hypothesis,
  form: Record<string, string>,
): Promise<ActionResult> {
  const parsed = stateSchema.safeParse(form);
  if (!parsed.success) return { ok: false, ...firstIssue(parsed.error) };
  const { state, learning } = parsed.data;
  const finished = FINISHED_STATES.includes(state);
  if (finished && learning === "") {
    return {
      ok: false,
      field: "learning",
      message:
        "Learning is missing: write what this test taught, even if it lost",
    };
  }
  await prisma.hypothesis.update({
    where: { shopId_id: { shopId, id: hypothesis.id } },
    data: {
      state,
      learning: learning || hypothesis.learning,
      endedAt: finished ? (hypothesis.endedAt ?? new Date()) : null,
    },
  });
  return { ok: true };
}
