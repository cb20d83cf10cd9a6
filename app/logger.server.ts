import pino from "pino";

// One logger for the server. Never pass shopper data, tokens or session ids:
// log shop domains, topics, ids of batches and counts.
export const logger = pino({
  level: process.env.LOG_LEVEL ?? "info",
  base: { service: "storelens" },
  redact: ["req.headers.authorization", "accessToken", "token"],
});
