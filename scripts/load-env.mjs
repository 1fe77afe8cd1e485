// Loads env/.env.dev.user and env/.env.dev into process.env before the bot or a tool starts, for the
// npm scripts (`node --import ./scripts/load-env.mjs …`). A missing file is skipped without a word
// (Node's --env-file-if-exists prints "… not found" for the .user file every user lacks). The real
// environment wins over both files, and .env.dev.user over .env.dev: process.loadEnvFile never
// replaces a variable already set, so the files are loaded in the opposite order of precedence.
import { existsSync } from "node:fs";
import process from "node:process";

for (const file of ["env/.env.dev.user", "env/.env.dev"]) {
  if (existsSync(file)) process.loadEnvFile(file);
}
