import { pool } from "../db.server";
import { env } from "../env.server";
import { logger } from "../logger.server";
import { Admission } from "./admission.server";
import { IngestWriter, MAX_GROUP_BATCHES } from "./ingest-writer.server";

let admission: Admission | undefined;

/** Returns this process's admission controller, sized from the environment. */
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

let writer: IngestWriter | undefined;

/** Returns this process's group-commit writer, with its writer count from the environment. */
export function processWriter(): IngestWriter {
  writer ??= new IngestWriter(
    pool,
    logger,
    MAX_GROUP_BATCHES,
    env().INGEST_WRITE_LANES,
  );
  return writer;
}
