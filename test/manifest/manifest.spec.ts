import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { inflateSync } from "node:zlib";
import JSZip from "jszip";
import { encodePng } from "../../scripts/make-icons.js";
import type { PackageValues } from "../../scripts/package-app.js";
import {
  ManifestValidationError,
  PackageConfigError,
  buildAppPackage,
  nameBasedUuid,
  readPngInfo,
  resolvePackageValues,
  validateManifest,
} from "../../scripts/package-app.js";

type Json = Record<string, unknown>;

const MANIFEST_DIR = path.resolve(__dirname, "../../manifest");
const BOT_ID = "5b8c7a3e-2f1d-4c6b-9e8a-7d6c5b4a3f21";
const COMMANDS = ["help", "revoke", "revoke user", "status", "pending", "cancel", "history", "audit here"];

function readManifestFile(): Json {
  return JSON.parse(readFileSync(path.join(MANIFEST_DIR, "manifest.json"), "utf8")) as Json;
}

function theBot(manifest: Json): Json {
  const bots = manifest.bots as Json[];
  assert.equal(bots.length, 1);
  const [bot] = bots;
  assert.ok(bot !== undefined);
  return bot;
}

/** Decodes an 8-bit RGBA PNG (all five scanline filters) into its pixel bytes. */
function decodeRgba(png: Buffer): { width: number; height: number; pixels: Uint8Array } {
  const info = readPngInfo(png);
  assert.equal(info.colorType, 6, "expected an RGBA PNG");
  assert.equal(info.bitDepth, 8);
  const idat: Buffer[] = [];
  for (let at = 8; at < png.length; ) {
    const length = png.readUInt32BE(at);
    if (png.toString("ascii", at + 4, at + 8) === "IDAT") idat.push(png.subarray(at + 8, at + 8 + length));
    at += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const { width, height } = info;
  const stride = width * 4;
  const pixels = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    for (let x = 0; x < stride; x++) {
      const value = raw[y * (stride + 1) + 1 + x] ?? 0;
      const left = x >= 4 ? (pixels[y * stride + x - 4] ?? 0) : 0;
      const up = y > 0 ? (pixels[(y - 1) * stride + x] ?? 0) : 0;
      const upLeft = x >= 4 && y > 0 ? (pixels[(y - 1) * stride + x - 4] ?? 0) : 0;
      let predictor = 0;
      if (filter === 1) predictor = left;
      else if (filter === 2) predictor = up;
      else if (filter === 3) predictor = Math.floor((left + up) / 2);
      else if (filter === 4) {
        const p = left + up - upLeft;
        const [pa, pb, pc] = [Math.abs(p - left), Math.abs(p - up), Math.abs(p - upLeft)];
        predictor = pa <= pb && pa <= pc ? left : pb <= pc ? up : upLeft;
      }
      pixels[y * stride + x] = (value + predictor) & 0xff;
    }
  }
  return { width, height, pixels };
}

describe("Teams app manifest", () => {
  const values: PackageValues = resolvePackageValues({ BOT_ID });

  it("the template on disk is valid against its official schema", async () => {
    const manifest = readManifestFile();
    assert.equal(
      manifest.$schema,
      `https://developer.microsoft.com/json-schemas/teams/v${String(manifest.manifestVersion)}/MicrosoftTeams.schema.json`,
    );
    assert.deepEqual(await validateManifest(manifest), []);
  });

  it("filled by the package function, validates with zero errors and carries the IDs", async () => {
    const { manifest } = await buildAppPackage(MANIFEST_DIR, values);
    assert.deepEqual(await validateManifest(manifest), []);
    assert.equal(manifest.id, values.teamsAppId);
    assert.equal(theBot(manifest).botId, BOT_ID);
    assert.equal(JSON.stringify(manifest).includes("00000000-0000-0000-0000-000000000000"), false);
  });

  it("the validator does report schema violations (guards against a check that never fails)", async () => {
    const manifest = readManifestFile();
    const bot = theBot(manifest);
    bot.unknownProperty = true;
    manifest.id = "not-a-guid";
    const problems = await validateManifest(manifest);
    assert.ok(problems.some((p) => p.includes("/id")));
    assert.ok(problems.some((p) => p.includes("unknownProperty")));
  });

  it("names the app and its developer as agreed", () => {
    const manifest = readManifestFile();
    assert.deepEqual(manifest.name, {
      short: "Revoke Sessions",
      full: "Revoke Entra ID sign-in sessions with approval and audit",
    });
    const developer = manifest.developer as Json;
    assert.equal(developer.name, "Contoso Security Engineering");
    for (const key of ["websiteUrl", "privacyUrl", "termsOfUseUrl"]) {
      assert.match(String(developer[key]), /^https:\/\/contoso\.com\//);
    }
    assert.deepEqual(manifest.permissions, ["identity", "messageTeamMembers"]);
    assert.deepEqual(manifest.validDomains, []);
  });

  it("declares one conversational bot with the commands for every scope", () => {
    const bot = theBot(readManifestFile());
    assert.deepEqual(bot.scopes, ["personal", "team", "groupChat"]);
    assert.equal(bot.supportsFiles, false);
    assert.equal(bot.isNotificationOnly, false);
    const lists = bot.commandLists as Json[];
    assert.deepEqual(lists.flatMap((l) => l.scopes as string[]).sort(), ["groupChat", "personal", "team"]);
    for (const list of lists) {
      const commands = list.commands as Json[];
      assert.deepEqual(
        commands.map((c) => c.title),
        COMMANDS,
      );
      for (const command of commands) {
        // The limits of manifest 1.19, stricter than later versions, so the list fits every client.
        assert.ok(String(command.title).length <= 32, `title "${String(command.title)}" too long`);
        assert.ok(String(command.description).length <= 128, `description of "${String(command.title)}" too long`);
      }
    }
  });

  it("has a 192×192 colour icon and a 32×32 transparent white outline icon", () => {
    const color = readPngInfo(readFileSync(path.join(MANIFEST_DIR, "color.png")));
    assert.deepEqual([color.width, color.height], [192, 192]);

    const outlinePng = readFileSync(path.join(MANIFEST_DIR, "outline.png"));
    const outline = decodeRgba(outlinePng);
    assert.deepEqual([outline.width, outline.height], [32, 32]);
    const alphas: number[] = [];
    for (let i = 0; i < outline.pixels.length; i += 4) {
      const alpha = outline.pixels[i + 3] ?? 0;
      alphas.push(alpha);
      if (alpha > 0) {
        // Teams tints the outline icon itself: it must be white where it is drawn.
        assert.deepEqual([...outline.pixels.subarray(i, i + 3)], [255, 255, 255]);
      }
    }
    assert.ok(alphas.some((a) => a < 255), "outline has transparent pixels");
    assert.ok(alphas.some((a) => a === 0), "outline has a fully transparent background");
    assert.ok(alphas.some((a) => a === 255), "outline has a visible glyph");
  });

  it("zips exactly manifest.json, color.png and outline.png at the root", async () => {
    const built = await buildAppPackage(MANIFEST_DIR, values);
    const zip = await JSZip.loadAsync(built.zip);
    const names = Object.values(zip.files)
      .filter((f) => !f.dir)
      .map((f) => f.name)
      .sort();
    assert.deepEqual(names, ["color.png", "manifest.json", "outline.png"]);
    const manifestText = await zip.file("manifest.json")?.async("string");
    assert.deepEqual(JSON.parse(manifestText ?? "null"), built.manifest);
    for (const icon of ["color.png", "outline.png"]) {
      const bytes = await zip.file(icon)?.async("nodebuffer");
      assert.ok(bytes?.equals(readFileSync(path.join(MANIFEST_DIR, icon))));
    }
  });

  it("refuses an icon of the wrong size", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "manifest-"));
    try {
      copyFileSync(path.join(MANIFEST_DIR, "manifest.json"), path.join(dir, "manifest.json"));
      copyFileSync(path.join(MANIFEST_DIR, "color.png"), path.join(dir, "color.png"));
      writeFileSync(path.join(dir, "outline.png"), encodePng({ width: 48, height: 48, pixels: new Uint8Array(48 * 48 * 4) }));
      await assert.rejects(
        buildAppPackage(dir, values),
        (err: unknown) => err instanceof ManifestValidationError && err.problems.some((p) => p.includes("48×48")),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("package values", () => {
  it("a missing BOT_ID says what to set and where", () => {
    for (const env of [{}, { BOT_ID: "" }, { BOT_ID: "   " }]) {
      assert.throws(
        () => resolvePackageValues(env),
        (err: unknown) =>
          err instanceof PackageConfigError &&
          err.message.startsWith("BOT_ID is not set") &&
          err.message.includes("env/.env.dev") &&
          err.message.includes("environment"),
      );
    }
  });

  it("an invalid BOT_ID is refused with the same advice", () => {
    for (const botId of ["not-a-guid", "5b8c7a3e2f1d4c6b9e8a7d6c5b4a3f21", "00000000-0000-0000-0000-000000000000"]) {
      assert.throws(
        () => resolvePackageValues({ BOT_ID: botId }, "local"),
        (err: unknown) =>
          err instanceof PackageConfigError && err.message.includes(`"${botId}"`) && err.message.includes("env/.env.local"),
      );
    }
  });

  it("derives a stable v5 Teams app ID from BOT_ID unless TEAMS_APP_ID is set", () => {
    const derived = resolvePackageValues({ BOT_ID }).teamsAppId;
    assert.equal(derived, resolvePackageValues({ BOT_ID: BOT_ID.toUpperCase() }).teamsAppId);
    assert.match(derived, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.notEqual(derived, resolvePackageValues({ BOT_ID: "6b8c7a3e-2f1d-4c6b-9e8a-7d6c5b4a3f21" }).teamsAppId);

    const explicit = "0d5e3a1c-7b2f-4e9d-8c6a-1f0e2d3c4b5a";
    assert.equal(resolvePackageValues({ BOT_ID, TEAMS_APP_ID: explicit }).teamsAppId, explicit);
    assert.throws(() => resolvePackageValues({ BOT_ID, TEAMS_APP_ID: "app" }), /TEAMS_APP_ID "app" is not a GUID/);
  });

  it("computes RFC 9562 name-based UUIDs (the RFC's DNS example)", () => {
    assert.equal(nameBasedUuid("6ba7b810-9dad-11d1-80b4-00c04fd430c8", "www.example.com"), "2ed6657d-e927-568b-95e1-2665a8aea6a2");
  });
});
