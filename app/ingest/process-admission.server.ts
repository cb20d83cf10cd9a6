import { env } from "../env.server";
import { Admission } from "./admission.server";

let admission: Admission | undefined;

/** One admission controller per server process, sized from the environment. */
export function processAdmission(): Admission {
  const config = env();
  admission ??= new Admission({
    maxInFlight: config.INGEST_MAX_IN_FLIGHT,
    shopRate: config.INGEST_SHOP_RATE,
    shopBurst: config.INGEST_SHOP_BURST,
    ipRate: config.INGEST_IP_RATE,
    ipBurst: config.INGEST_IP_BURST,
  });
  return admission;
}
