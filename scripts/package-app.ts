/**
 * Builds the Teams app package, build/appPackage.zip: manifest/manifest.json with the real IDs
 * filled in, plus color.png and outline.png, all at the zip root (what Teams' "Upload a custom app"
 * and the Developer Portal expect).
 *
 *   npm run package              # values from env/.env.dev, env/.env.dev.user and the environment
 *   npm run package -- --env local
 *
 * manifest/manifest.json keeps all-zero GUIDs so that the file on disk stays valid against the
 * official schema; this script replaces them. It is a build tool, not the bot: it is the one file
 * in scripts/ that reads process.env, and only in main() — everything else takes its values as
 * parameters so the tests call it directly.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { parseEnv } from "node:util";
import type { AppManifest } from "@microsoft/app-manifest";
import { AppManifestUtils } from "@microsoft/app-manifest";
import type { JSONSchemaType } from "ajv";
import JSZip from "jszip";

type Json = Record<string, unknown>;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PLACEHOLDER_GUID = "00000000-0000-0000-0000-000000000000";

/**
 * Namespace of the name-based (v5) UUIDs this script derives Teams app IDs from. Fixed forever:
 * changing it would give every existing installation a new app ID.
 */
const TEAMS_APP_ID_NAMESPACE = "3c9d5f0e-6b1a-4f47-9d2c-8e7a41b6f203";

/** Icon sizes Teams requires, by manifest `icons` key. */
const ICON_SIZES: Readonly<Record<string, number>> = { color: 192, outline: 32, color32x32: 32 };

/** A value the package needs is missing or malformed; the message says what to set and where. */
export class PackageConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PackageConfigError";
  }
}

/** The filled manifest or its icons break Teams' rules; the message lists every problem. */
export class ManifestValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(`The Teams app manifest is not valid:\n  - ${problems.join("\n  - ")}`);
    this.name = "ManifestValidationError";
  }
}

/** The IDs that go into the manifest. */
export interface PackageValues {
  /** Microsoft App ID of the bot registration (BOT_ID). */
  botId: string;
  /** Teams app ID (TEAMS_APP_ID), or derived from botId. */
  teamsAppId: string;
}

/**
 * Reads BOT_ID and TEAMS_APP_ID from the given environment. TEAMS_APP_ID is optional: without it
 * the app ID is a v5 UUID of BOT_ID, stable across builds, so re-uploading updates the same app.
 */
export function resolvePackageValues(env: Readonly<Record<string, string | undefined>>, envName = "dev"): PackageValues {
  const where = `in env/.env.${envName} or in the environment`;
  const botId = env.BOT_ID?.trim() ?? "";
  if (botId === "") {
    throw new PackageConfigError(
      `BOT_ID is not set. Set BOT_ID to the Microsoft App ID of the bot registration (a GUID, shown on the Azure Bot's Configuration page) ${where}.`,
    );
  }
  if (!GUID.test(botId) || botId === PLACEHOLDER_GUID) {
    throw new PackageConfigError(
      `BOT_ID "${botId}" is not a bot's Microsoft App ID. Set BOT_ID to the GUID shown on the Azure Bot's Configuration page ${where}.`,
    );
  }
  const explicitAppId = env.TEAMS_APP_ID?.trim() ?? "";
  if (explicitAppId !== "" && (!GUID.test(explicitAppId) || explicitAppId === PLACEHOLDER_GUID)) {
    throw new PackageConfigError(
      `TEAMS_APP_ID "${explicitAppId}" is not a GUID. Set TEAMS_APP_ID to a GUID ${where}, or leave it unset to derive one from BOT_ID.`,
    );
  }
  return {
    botId: botId.toLowerCase(),
    teamsAppId: explicitAppId !== "" ? explicitAppId.toLowerCase() : nameBasedUuid(TEAMS_APP_ID_NAMESPACE, botId.toLowerCase()),
  };
}

/** RFC 9562 version 5 (SHA-1, name-based) UUID of name within namespace. */
export function nameBasedUuid(namespace: string, name: string): string {
  const hash = createHash("sha1")
    .update(Buffer.from(namespace.replaceAll("-", ""), "hex"))
    .update(name, "utf8")
    .digest();
  hash[6] = ((hash[6] ?? 0) & 0x0f) | 0x50;
  hash[8] = ((hash[8] ?? 0) & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** Returns a copy of the manifest template with the app ID, bot ID (and SSO app ID, if any) set. */
export function fillManifest(template: Json, values: PackageValues): Json {
  const manifest = structuredClone(template);
  manifest.id = values.teamsAppId;
  const bots = manifest.bots;
  if (!Array.isArray(bots) || bots.length !== 1 || !isObject(bots[0])) {
    throw new ManifestValidationError(["manifest.json must declare exactly one bot."]);
  }
  bots[0].botId = values.botId;
  if (isObject(manifest.webApplicationInfo)) {
    // The bot's app registration is the one Teams SSO would issue tokens for.
    manifest.webApplicationInfo.id = values.botId;
  }
  return manifest;
}

/** Path of the official schema for a manifest version, as shipped in @microsoft/app-manifest. */
export function manifestSchemaPath(manifestVersion: string): string {
  const packageRoot = path.dirname(path.dirname(require.resolve("@microsoft/app-manifest")));
  return path.join(packageRoot, "build", "json-schemas", "teams", `v${manifestVersion}`, "MicrosoftTeams.schema.json");
}

/**
 * Validates a manifest against the official schema of its manifestVersion, read from the local
 * @microsoft/app-manifest package (never fetched), with that package's own validator (draft-04
 * through ajv-draft-04, uri/email/regex formats). Returns one line per problem; [] when valid.
 */
export async function validateManifest(manifest: Json): Promise<string[]> {
  const version = manifest.manifestVersion;
  if (typeof version !== "string") return ["manifestVersion is missing."];
  const schemaFile = manifestSchemaPath(version);
  if (!existsSync(schemaFile)) {
    return [`manifestVersion ${version} has no schema in @microsoft/app-manifest (${schemaFile}).`];
  }
  // Same clean-up as the package's own schema loader: the published schemas contain "\a" and "\v"
  // regex escapes that ajv's unicode-mode RegExp rejects.
  const text = readFileSync(schemaFile, "utf8").replace(/\\a/g, "\\u0007").replace(/\\v/g, "\\u000b");
  const schema = JSON.parse(text) as JSONSchemaType<AppManifest>;
  return AppManifestUtils.validateAgainstSchema(manifest as unknown as AppManifest, schema);
}

/** What the PNG header says about an image. */
export interface PngInfo {
  width: number;
  height: number;
  bitDepth: number;
  /** 0 grey, 2 RGB, 3 palette, 4 grey + alpha, 6 RGBA */
  colorType: number;
  /** True when the image can hold transparent pixels (an alpha channel or a tRNS chunk). */
  hasAlpha: boolean;
}

/** Reads a PNG's IHDR (and looks for tRNS) without decoding the pixels. */
export function readPngInfo(png: Buffer): PngInfo {
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  if (png.length < 33 || !png.subarray(0, 8).equals(signature) || png.toString("ascii", 12, 16) !== "IHDR") {
    throw new Error("Not a PNG file.");
  }
  const colorType = png.readUInt8(25);
  let hasTransparencyChunk = false;
  for (let at = 8; at + 8 <= png.length; ) {
    const length = png.readUInt32BE(at);
    const type = png.toString("ascii", at + 4, at + 8);
    if (type === "tRNS") hasTransparencyChunk = true;
    if (type === "IDAT" || type === "IEND") break; // tRNS must come before the image data
    at += 12 + length;
  }
  return {
    width: png.readUInt32BE(16),
    height: png.readUInt32BE(20),
    bitDepth: png.readUInt8(24),
    colorType,
    hasAlpha: colorType === 4 || colorType === 6 || hasTransparencyChunk,
  };
}

/** Checks the icons the manifest names: PNG, the size Teams requires, outline with transparency. */
export function checkIcons(manifest: Json, manifestDir: string): { files: Map<string, Buffer>; problems: string[] } {
  const files = new Map<string, Buffer>();
  const problems: string[] = [];
  const icons = isObject(manifest.icons) ? manifest.icons : {};
  for (const [key, value] of Object.entries(icons)) {
    if (typeof value !== "string") continue; // the schema check reports it
    const file = path.join(manifestDir, value);
    if (!existsSync(file)) {
      problems.push(`icons.${key}: ${file} does not exist (regenerate with: node --import tsx scripts/make-icons.ts).`);
      continue;
    }
    const png = readFileSync(file);
    let info: PngInfo;
    try {
      info = readPngInfo(png);
    } catch {
      problems.push(`icons.${key}: ${file} is not a PNG file.`);
      continue;
    }
    const size = ICON_SIZES[key];
    if (size !== undefined && (info.width !== size || info.height !== size)) {
      problems.push(`icons.${key}: ${value} is ${info.width}×${info.height}; Teams requires ${size}×${size}.`);
    }
    if (key === "outline" && !info.hasAlpha) {
      problems.push(`icons.outline: ${value} has no transparency; Teams requires a white glyph on a transparent background.`);
    }
    files.set(value, png);
  }
  return { files, problems };
}

/** The package's parts: the filled manifest and the zip bytes. */
export interface AppPackage {
  manifest: Json;
  zip: Buffer;
}

/**
 * Fills manifest/manifest.json with the values, validates it and its icons, and zips manifest.json
 * plus the icons at the zip root. Throws ManifestValidationError listing every problem found.
 */
export async function buildAppPackage(manifestDir: string, values: PackageValues): Promise<AppPackage> {
  const template = JSON.parse(readFileSync(path.join(manifestDir, "manifest.json"), "utf8")) as Json;
  const manifest = fillManifest(template, values);

  const problems = await validateManifest(manifest);
  if (JSON.stringify(manifest).includes(PLACEHOLDER_GUID)) {
    problems.push(`an all-zero placeholder GUID is left in the manifest; fill it in ${path.basename(__filename)}.`);
  }
  const icons = checkIcons(manifest, manifestDir);
  problems.push(...icons.problems);
  if (problems.length > 0) throw new ManifestValidationError(problems);

  const zip = new JSZip();
  // A fixed timestamp keeps the zip the same from build to build when nothing changed.
  const date = new Date(Date.UTC(2020, 0, 1));
  zip.file("manifest.json", `${JSON.stringify(manifest, null, 2)}\n`, { date });
  for (const [name, png] of icons.files) zip.file(name, png, { date });
  const bytes = await zip.generateAsync({ type: "nodebuffer", compression: "DEFLATE" });
  return { manifest, zip: bytes };
}

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** env/.env.<name> then env/.env.<name>.user, under the environment (which wins, as with --env-file). */
function readEnvironment(root: string, envName: string): Record<string, string | undefined> {
  const fromFiles: Record<string, string | undefined> = {};
  for (const file of [`.env.${envName}`, `.env.${envName}.user`]) {
    const full = path.join(root, "env", file);
    if (existsSync(full)) Object.assign(fromFiles, parseEnv(readFileSync(full, "utf8")));
  }
  return { ...fromFiles, ...process.env };
}

async function main(argv: string[]): Promise<void> {
  const envFlag = argv.indexOf("--env");
  const envName = envFlag >= 0 ? (argv[envFlag + 1] ?? "") : "dev";
  if (!/^[\w-]+$/.test(envName)) throw new PackageConfigError(`--env needs a name such as "dev" or "local".`);

  const root = path.resolve(__dirname, "..");
  const values = resolvePackageValues(readEnvironment(root, envName), envName);
  const { manifest, zip } = await buildAppPackage(path.join(root, "manifest"), values);

  const outFile = path.join(root, "build", "appPackage.zip");
  mkdirSync(path.dirname(outFile), { recursive: true });
  writeFileSync(outFile, zip);
  console.log(`Teams app ${String(manifest.id)} (bot ${values.botId}), manifest ${String(manifest.manifestVersion)}`);
  console.log(outFile);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(err instanceof PackageConfigError || err instanceof ManifestValidationError ? err.message : err);
    process.exitCode = 1;
  });
}
