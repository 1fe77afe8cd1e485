/** The process itself: the port it serves Teams and the API on, and how much it logs. */
import { z } from "zod";
import { integer } from "./fields.js";

export const serverVariables = {
  PORT: integer("PORT", 3978, 0, 65535),
  LOG_LEVEL: z
    .string()
    .optional()
    .transform((v, ctx) => {
      const s = (v ?? "").trim().toLowerCase() || "info";
      const levels = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
      const level = levels.find((l) => l === s);
      if (level === undefined) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: `expected one of ${levels.join(", ")}, got "${v}"` });
        return z.NEVER;
      }
      return level;
    }),
};
