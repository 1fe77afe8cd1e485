import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import * as AC from "adaptivecards";
import Ajv from "ajv";
import addFormats from "ajv-formats";
import draft06MetaSchema from "ajv/dist/refs/json-schema-draft-06.json";
import type { AdaptiveCardJson, CardDataByName, CardName } from "../../src/cards/render.js";
import {
  ADAPTIVE_CARD_CONTENT_TYPE,
  CARD_NAMES,
  CardTemplateError,
  cardAttachment,
  cardsDirectory,
  findTemplateExpressions,
  renderCard,
} from "../../src/cards/render.js";
import type { ConfirmCardData } from "../../src/cards/models.js";
import { Verbs } from "../../src/cards/verbs.js";

// Copies of the official Adaptive Card 1.5.0 schema and the Teams light host config, kept in the
// repository so the test needs nothing outside it.
const SCHEMAS = path.join(__dirname, "fixtures");

type Json = Record<string, unknown>;

// Realistic data, several rows where a card has a list, and the optional texts empty in at least
// one sample so the `$when` branches are exercised both ways. Typed per card name: a new CardName
// without samples does not compile, and a new template file without a CardName fails below.
const confirmSample: ConfirmCardData = {
  requestId: "R-7K2M9QX4AB",
  title: "Revoke sessions of 60 users in Claims?",
  askedLine: "Dana Analyst asked 2 min ago · expires in 28 min",
  reasonLine: "Reason: INC-4711: credential phishing campaign, tokens possibly replayed from 203.0.113.7",
  incidentLine: "Incident: [Phishing wave](https://contoso.example/incidents/78) (Sentinel INC-78)",
  facts: [],
  breakdown: "60 users: 54 enabled, 6 already disabled.",
  excluded: "Left out: 1 guest (their sessions live in their home tenants) and 1 protected account (never revoked), named under Details.",
  rows: [
    { displayName: "Alice Example", userPrincipalName: "alice@contoso.com", state: "Enabled" },
    {
      displayName: "Bob Contractor-With-A-Very-Long-Display-Name (External Vendor, Finance Audit Project)",
      userPrincipalName: "bob_fabrikam.com#EXT#@contoso.onmicrosoft.com",
      state: "Already disabled",
    },
    { displayName: "Chen Wei", userPrincipalName: "chen.wei@contoso.com", state: "Unknown" },
  ],
  moreTargets: "…and 57 more: the full list is in the replies to this card.",
  effect: "Approving ends 60 users' sessions everywhere (refresh tokens and browser cookies). Nothing happens until then.",
  approvalRule: "An approver other than Dana Analyst must approve: requests of 10 users or more need a second person (four-eyes).",
  approvalWhere: "Approvers were asked in the approval channel too; a decision on either card counts once.",
  viewerNote: "You can approve or reject it; exactly this runs.",
  details: [
    { title: "Request", value: "R-7K2M9QX4AB" },
    { title: "Asked at", value: "1 Dec, 10:00 UTC" },
    { title: "Responders", value: "Sam Lead, Val Analyst" },
    { title: "Left out", value: "vendor_fabrikam.com#EXT#@contoso.onmicrosoft.com (guest), root@contoso.com (protected)" },
    { title: "Failed sign-ins", value: "Sam Lead (3 attempts), Val Analyst (1 attempt)" },
  ],
  commentInputId: "comment",
  approveVerb: Verbs.approve,
  rejectVerb: Verbs.reject,
  cancelVerb: "",
  enableAnywayVerb: "",
  approveWithRespondersVerb: "",
  approveWithoutRespondersVerb: "",
  responders: "",
  failedSignIns: "",
  adminReset: "",
  refreshVerb: Verbs.refresh,
  refreshUserIds: ["29:sam"],
};

/** A set with responders and --disable, from `revoke ip`: the two approvals instead of Approve, failed attempts shown. */
const confirmResponders: ConfirmCardData = {
  ...confirmSample,
  responders: "2 of these users are responders (in a revoker or approver group), named under Details.",
  failedSignIns: "4 failed attempts from this address, not included: failed sign-ins never choose a target (2 accounts, named under Details).",
  adminReset: "1 of these users holds an admin role (Avery Admin): this bot's identity has no role that can reset an admin's password (Privileged Authentication Administrator), so that user's password will not be reset; the sessions are still revoked.",
  approveVerb: "",
  approveWithRespondersVerb: Verbs.approveWithResponders,
  approveWithoutRespondersVerb: Verbs.approveWithoutResponders,
};

/** One user: facts instead of rows, no incident, no reason, and a viewer without buttons. */
const confirmSingle: ConfirmCardData = {
  ...confirmSample,
  title: "Revoke Alice Wood's sessions?",
  reasonLine: "No reason was given.",
  incidentLine: "",
  facts: [
    { title: "Sign-in name", value: "alice.wood@contoso.com" },
    { title: "Department", value: "Finance" },
    { title: "Account", value: "Enabled" },
    { title: "Last revoked", value: "29 days ago" },
  ],
  breakdown: "",
  excluded: "",
  rows: [],
  moreTargets: "",
  approvalWhere: "",
  viewerNote: "",
  details: [
    { title: "Request", value: "R-7K2M9QX4AB" },
    { title: "Object ID", value: "7d6c1b5e-0f4a-4a9e-9c1e-2b1f8c7d6e5a" },
  ],
  commentInputId: "",
  approveVerb: "",
  rejectVerb: "",
  refreshUserIds: [],
};

const samples: { [N in CardName]: CardDataByName[N][] } = {
  "revoke-confirm": [confirmSample, confirmSingle, confirmResponders],
  "revoke-result": [
    {
      requestId: "R-7K2M9QX4AB",
      title: "⚠ Revocation finished with failures",
      statusStyle: "attention",
      countsLine: "1 failed (listed below), 1 revoked, not yet verified, 1 revoked and verified.",
      statusLine: "Approved by Pat Approver, 24 Nov, 10:04 UTC.",
      comment: "Comment: checked with the user's manager",
      requestLine: "Asked by Sam Analyst · Reason: INC-4711: credential phishing campaign",
      targets: [
        {
          displayName: "Bob Contractor",
          userPrincipalName: "bob_fabrikam.com#EXT#@contoso.onmicrosoft.com",
          outcome: "✖ Failed",
          outcomeColor: "Attention",
          detail: "Microsoft Graph refused the request (403): grant the app User.RevokeSessions.All and retry.",
        },
        {
          displayName: "Chen Wei",
          userPrincipalName: "chen.wei@contoso.com",
          outcome: "◔ Revoked, not yet verified",
          outcomeColor: "Default",
          detail: "",
        },
        {
          displayName: "Alice Example",
          userPrincipalName: "alice@contoso.com",
          outcome: "✔ Revoked and verified",
          outcomeColor: "Default",
          detail: "",
        },
      ],
      note: "Access tokens already issued stay valid until they expire (about an hour).",
      notice: "",
      moreRows: "…and 97 more. `history` has the summary; the audit log has every outcome.",
      details: [
        { title: "Request", value: "R-7K2M9QX4AB" },
        { title: "Allowed because", value: "approved by an approver other than the requester (four-eyes)" },
      ],
    },
    {
      requestId: "R-9A8B7C6D5E",
      title: "↩ Request withdrawn",
      statusStyle: "warning",
      countsLine: "Nothing was revoked (3 users named).",
      statusLine: "Withdrawn by Sam Analyst, 24 Nov, 10:05 UTC.",
      comment: "",
      requestLine: "Asked by Sam Analyst · no reason given",
      targets: [],
      note: "",
      notice: "Request R-9A8B7C6D5E was already withdrawn, so it could not be approved. Your click changed nothing.",
      moreRows: "",
      details: [{ title: "Request", value: "R-9A8B7C6D5E" }],
    },
  ],
  "revoke-ask": [
    { askVerb: Verbs.ask, inputId: "target", error: "" },
    { askVerb: Verbs.ask, inputId: "target", error: "No user alice@contso.com in this tenant: check the spelling." },
  ],
  notice: [
    {
      title: "You cannot approve this request",
      message: "Requests for 2 or more users need an approver other than the requester. Ask a member of SecOps-Approvers.",
      style: "attention",
    },
    { title: "Audit channel set", message: "Audit entries will be posted here.", style: "good" },
  ],
  "audit-entry": [
    {
      title: "Sam Analyst asked to revoke 60 users — INC-4711",
      style: "accent",
      subtitle: "1 Dec, 10:04 UTC · request R-7K2M9QX4AB · audit #4711",
      facts: [
        { title: "Reason", value: "INC-4711" },
        { title: "Expires", value: "1 Dec, 10:30 UTC" },
        { title: "Approval", value: "A second person must approve" },
        { title: "Left out", value: "2 users" },
      ],
      details: [
        { title: "Users", value: "alice@contoso.com\nbob_fabrikam.com#EXT#@contoso.onmicrosoft.com\nand 58 more" },
        { title: "Who", value: "Sam Analyst (object ID 5f0c6a1e-2b9d-4c3a-8e71-0d4b9a2c6f13)" },
      ],
    },
    { title: "Riley Approver moved the audit posts to this channel", style: "default", subtitle: "1 Dec, 10:04 UTC · audit #4712", facts: [], details: [] },
  ],
};

/** The official Adaptive Card 1.5 schema, compiled once. */
function compileCardSchema(): ReturnType<Ajv["compile"]> {
  const raw = JSON.parse(readFileSync(path.join(SCHEMAS, "adaptive-card-1.5.0.json"), "utf8")) as Json;
  // The file declares draft-06 but names itself with the draft-04 keyword "id", which ajv 8 rejects;
  // "$id" is its draft-06 spelling. "strict: false" lets the schema's own annotations ("version",
  // "features") pass as the unknown keywords they are.
  const { id, ...rest } = raw;
  assert.equal(typeof id, "string");
  const ajv = new Ajv({ allErrors: true, strict: false });
  ajv.addMetaSchema(draft06MetaSchema);
  addFormats(ajv);
  return ajv.compile({ ...rest, $id: String(id) });
}

const validateCard = compileCardSchema();
const teamsHostConfig: unknown = JSON.parse(readFileSync(path.join(SCHEMAS, "teams-light-hostconfig.json"), "utf8"));

/** Everything the Adaptive Cards SDK complains about while parsing and validating a card. */
function sdkFindings(card: AdaptiveCardJson): string[] {
  const parsed = new AC.AdaptiveCard();
  parsed.hostConfig = new AC.HostConfig(teamsHostConfig);
  const context = new AC.SerializationContext();
  parsed.parse(card, context);
  const findings: string[] = [];
  for (let i = 0; i < context.eventCount; i++) {
    findings.push(`parse: ${context.getEventAt(i).message}`);
  }
  for (const event of parsed.validateProperties().validationEvents) {
    findings.push(`validate: ${event.message}`);
  }
  return findings;
}

/** Every object in a card, depth first. */
function allObjects(value: unknown): Json[] {
  if (Array.isArray(value)) return value.flatMap(allObjects);
  if (typeof value === "object" && value !== null) {
    return [value as Json, ...Object.values(value).flatMap(allObjects)];
  }
  return [];
}

function textBlocks(card: AdaptiveCardJson): string[] {
  return allObjects(card.body)
    .filter((o) => o.type === "TextBlock")
    .map((o) => String(o.text));
}

function actionsOf(card: AdaptiveCardJson): Json[] {
  assert.ok(Array.isArray(card.actions), "card has actions");
  return card.actions as Json[];
}

function renderAll<N extends CardName>(name: N): AdaptiveCardJson[] {
  return samples[name].map((data) => renderCard(name, data));
}

describe("card templates", () => {
  const files = readdirSync(cardsDirectory()).filter((f) => f.endsWith(".json"));

  it("has exactly one template file per CardName", () => {
    assert.deepEqual([...files].sort(), CARD_NAMES.map((n) => `${n}.json`).sort());
  });

  for (const file of files) {
    const name = file.replace(/\.json$/, "");

    describe(file, () => {
      // A template file without a CardName has no sample data: fail here rather than skip it.
      const isKnown = (CARD_NAMES as readonly string[]).includes(name);

      it("has sample data and declares Adaptive Card 1.5", () => {
        assert.ok(isKnown, `${file} has no CardName in src/cards/render.ts and no sample data in this test`);
        const template = JSON.parse(readFileSync(path.join(cardsDirectory(), file), "utf8")) as Json;
        assert.equal(template.$schema, "http://adaptivecards.io/schemas/adaptive-card.json");
        assert.equal(template.type, "AdaptiveCard");
        assert.equal(template.version, "1.5");
      });

      if (!isKnown) return;
      const cardName = name as CardName;

      it("renders every sample with no unbound ${…}", () => {
        for (const card of renderAll(cardName)) {
          assert.deepEqual(findTemplateExpressions(card), []);
          assert.equal(JSON.stringify(card).includes("${"), false);
          assert.equal(JSON.stringify(card).includes('"$when"'), false);
          assert.equal(JSON.stringify(card).includes('"$data"'), false);
          assert.equal(card.type, "AdaptiveCard");
          assert.equal(card.version, "1.5");
        }
      });

      it("validates against the official Adaptive Card 1.5 schema", () => {
        for (const card of renderAll(cardName)) {
          const valid = validateCard(card);
          assert.ok(valid, `schema errors: ${JSON.stringify(validateCard.errors?.slice(0, 5), null, 2)}`);
        }
      });

      it("parses in the Adaptive Cards SDK with the Teams host config without findings", () => {
        for (const card of renderAll(cardName)) {
          assert.deepEqual(sdkFindings(card), []);
        }
      });

      it("wraps every TextBlock so long values stay readable", () => {
        for (const card of renderAll(cardName)) {
          for (const block of allObjects(card.body).filter((o) => o.type === "TextBlock")) {
            assert.equal(block.wrap, true, `TextBlock "${String(block.text)}" does not wrap`);
          }
        }
      });
    });
  }
});

describe("renderCard", () => {
  it("the SDK check catches what it should (guards against a check that never fails)", () => {
    const bad = renderCard("notice", { title: "t", message: "m", style: "good" });
    const broken = { ...bad, body: [{ type: "TextBlock", text: "x", color: "purple" }, { type: "Bogus" }] };
    assert.equal(sdkFindings(broken).length, 2);
    assert.equal(validateCard(broken), false);
  });

  it("confirm card: Action.Execute with the shared verbs, only the request ID, Action.Submit fallbacks", () => {
    const card = renderCard("revoke-confirm", confirmSample);
    const actions = actionsOf(card);
    assert.deepEqual(
      actions.map((a) => [a.type, a.title, a.verb]),
      [
        ["Action.Execute", "Approve", Verbs.approve],
        ["Action.Execute", "Reject", Verbs.reject],
      ],
    );
    assert.equal(actions[0]?.style, "destructive");
    for (const action of actions) {
      assert.deepEqual(action.data, { requestId: confirmSample.requestId });
      assert.deepEqual(action.fallback, {
        type: "Action.Submit",
        title: action.title,
        data: { verb: action.verb, requestId: confirmSample.requestId },
        ...(action.style === undefined ? {} : { style: action.style }),
      });
    }
    // Targets are shown, but never travel back in action data: the handler reads the frozen snapshot.
    const actionJson = JSON.stringify(actions);
    for (const target of confirmSample.rows) {
      assert.equal(actionJson.includes(target.userPrincipalName), false);
    }
  });

  it("confirm card with responders: Approve, including responders and Approve without responders instead of Approve", () => {
    const card = renderCard("revoke-confirm", confirmResponders);
    assert.deepEqual(
      actionsOf(card).map((a) => [a.title, a.verb]),
      [
        ["Approve, including responders", Verbs.approveWithResponders],
        ["Approve without responders", Verbs.approveWithoutResponders],
        ["Reject", Verbs.reject],
      ],
    );
    const text = JSON.stringify(card.body);
    assert.ok(text.includes("2 of these users are responders") && text.includes("4 failed attempts from this address, not included"), text);
  });

  it("confirm card: a refresh for each viewer's own view, with the user IDs as an array", () => {
    const card = renderCard("revoke-confirm", confirmSample);
    assert.deepEqual(card.refresh, {
      action: { type: "Action.Execute", title: "Refresh", verb: Verbs.refresh, data: { requestId: confirmSample.requestId } },
      userIds: ["29:sam"],
    });
    const inputs = allObjects(card.body).filter((o) => o.type === "Input.Text");
    assert.deepEqual(inputs.map((i) => i.id), ["comment"], "the comment input is shown with the buttons");
  });

  it("confirm card: a viewer without buttons sees no buttons and no comment input", () => {
    const card = renderCard("revoke-confirm", { ...confirmSample, approveVerb: "", rejectVerb: "", cancelVerb: "", commentInputId: "" });
    assert.equal((card.actions ?? []).length, 0);
    assert.equal(allObjects(card.body).some((o) => o.type === "Input.Text"), false);
    const withdraw = renderCard("revoke-confirm", { ...confirmSample, approveVerb: "", rejectVerb: "", cancelVerb: Verbs.cancel });
    assert.deepEqual(actionsOf(withdraw).map((a) => a.title), ["Withdraw"]);
  });

  it("confirm card: a set shows its first users in a 1.5 Table, one row each, under a header row", () => {
    const card = renderCard("revoke-confirm", confirmSample);
    const tables = allObjects(card.body).filter((o) => o.type === "Table");
    assert.equal(tables.length, 1);
    const rows = tables[0]?.rows as Json[];
    assert.equal(rows.length, confirmSample.rows.length + 1, "a header row and one row per user");
    const texts = textBlocks(card);
    for (const row of confirmSample.rows) {
      assert.ok(texts.includes(row.displayName) && texts.includes(row.userPrincipalName) && texts.includes(row.state));
    }
    for (const line of [confirmSample.title, confirmSample.breakdown, confirmSample.excluded, confirmSample.effect, confirmSample.incidentLine]) {
      assert.ok(texts.includes(line), line);
    }
    // One user: the decision's facts instead of a table.
    const single = renderCard("revoke-confirm", confirmSingle);
    assert.equal(allObjects(single.body).some((o) => o.type === "Table"), false);
    const facts = allObjects(single.body).find((o) => o.type === "FactSet");
    assert.deepEqual(facts?.facts, confirmSingle.facts);
    assert.equal(textBlocks(single).includes(""), false, "no empty lines for the parts a single user has not");
  });

  for (const name of ["revoke-confirm", "revoke-result", "audit-entry"] as const) {
    it(`${name}: the rest sits behind a Details toggle (Action.ToggleVisibility on a hidden container)`, () => {
      const card = renderAll(name)[0];
      assert.ok(card !== undefined);
      const toggles = allObjects(card.body).filter((o) => o.type === "Action.ToggleVisibility");
      assert.equal(toggles.length, 1);
      assert.equal(toggles[0]?.title, "Details");
      const target = (toggles[0]?.targetElements as string[])[0];
      const hidden = allObjects(card.body).find((o) => o.id === target);
      assert.equal(hidden?.isVisible, false, "the details start hidden");
      assert.ok(JSON.stringify(hidden).includes("FactSet"));
    });
  }

  it("every card uses host-config styles and colours only, never a colour of its own", () => {
    const colors = new Set(["Default", "Dark", "Light", "Accent", "Good", "Warning", "Attention"]);
    const styles = new Set(["default", "emphasis", "good", "attention", "warning", "accent", "heading", "positive", "destructive"]);
    for (const name of CARD_NAMES) {
      for (const card of renderAll(name)) {
        for (const o of allObjects(card)) {
          for (const [key, value] of Object.entries(o)) {
            assert.ok(typeof value !== "string" || !/^(#[0-9a-f]{3,8}|rgba?\(.*\))$/i.test(value.trim()), `${name}: ${key} is a colour of its own (${String(value)})`);
          }
          if (o.color !== undefined) assert.ok(typeof o.color === "string" && colors.has(o.color), `${name}: color ${JSON.stringify(o.color)}`);
          if (o.style !== undefined) assert.ok(typeof o.style === "string" && styles.has(o.style), `${name}: style ${JSON.stringify(o.style)}`);
        }
      }
    }
  });

  it("ask card: input, hidden error when empty, Look up with a Submit fallback", () => {
    const [clean, withError] = renderAll("revoke-ask");
    assert.ok(clean !== undefined && withError !== undefined);
    const input = allObjects(clean.body).find((o) => o.type === "Input.Text");
    assert.ok(input !== undefined);
    assert.equal(input.id, "target");
    assert.equal(input.placeholder, "alice@contoso.com or an object ID");
    assert.equal(input.isRequired, true);
    assert.equal(typeof input.errorMessage, "string");

    const errorText = samples["revoke-ask"][1]?.error ?? "";
    assert.equal(textBlocks(clean).includes(errorText), false);
    const shown = allObjects(withError.body).find((o) => o.type === "TextBlock" && o.text === errorText);
    assert.equal(shown?.color, "Attention");

    const [lookUp] = actionsOf(clean);
    assert.ok(lookUp !== undefined);
    assert.equal(lookUp.type, "Action.Execute");
    assert.equal(lookUp.title, "Look up");
    assert.equal(lookUp.verb, Verbs.ask);
    assert.equal(lookUp.associatedInputs, "auto");
    const fallback = lookUp.fallback as Json;
    assert.equal(fallback.type, "Action.Submit");
    assert.equal(fallback.title, "Look up");
    assert.deepEqual(fallback.data, { verb: Verbs.ask });
  });

  it("result card: status style, outcomes in words with icons (colour only repeats them), note only when there is one", () => {
    const [done, cancelled] = renderAll("revoke-result");
    assert.ok(done !== undefined && cancelled !== undefined);
    assert.equal((done.body[0] as Json).style, "attention");
    // A click that changed nothing is told so above the state.
    assert.equal((cancelled.body[0] as Json).style, "attention");
    assert.match(JSON.stringify(cancelled.body[0]), /changed nothing/);
    assert.equal((cancelled.body[1] as Json).style, "warning");
    assert.equal(JSON.stringify(done).includes("changed nothing"), false, "no notice when there is none");
    assert.equal(done.actions, undefined);
    const outcomes = allObjects(done.body).filter((o) => o.type === "TextBlock" && o.color !== undefined);
    assert.deepEqual(
      outcomes.map((o) => [o.text, o.color]),
      [
        ["✖ Failed", "Attention"],
        ["◔ Revoked, not yet verified", "Default"],
        ["✔ Revoked and verified", "Default"],
      ],
    );
    const note = samples["revoke-result"][0]?.note ?? "";
    const noteBlock = allObjects(done.body).find((o) => o.type === "TextBlock" && o.text === note);
    assert.equal(noteBlock?.isSubtle, true);
    assert.equal(textBlocks(cancelled).includes(""), false);
    assert.equal(textBlocks(cancelled).includes(note), false);
  });

  it("audit card: facts in order, no empty FactSet", () => {
    const [entry, bare] = renderAll("audit-entry");
    assert.ok(entry !== undefined && bare !== undefined);
    const factSet = allObjects(entry.body).find((o) => o.type === "FactSet");
    assert.deepEqual(factSet?.facts, samples["audit-entry"][0]?.facts);
    assert.equal(
      allObjects(bare.body).some((o) => o.type === "FactSet" || o.type === "ActionSet"),
      false,
      "no empty FactSet and no Details toggle without details",
    );
  });

  it("user-provided text comes out literally and cannot inject expressions or JSON", () => {
    const hostile = [
      "${requestId}",
      '"}], "actions":[',
      "${$root.confirmVerb} ${if(true, 'x', 'y')}",
      "back\\slash \\\" and\nnew\r\nline\t",
      "`${json(targets)}` {{TEAMS_APP_ID}}",
    ];
    for (const text of hostile) {
      const data: ConfirmCardData = {
        ...confirmSample,
        reasonLine: text,
        facts: [{ title: "Department", value: text }],
        rows: confirmSample.rows.map((r) => ({ ...r, displayName: text })),
        details: [{ title: text, value: text }],
      };
      const card = renderCard("revoke-confirm", data);
      const facts = allObjects(card.body).filter((o) => "title" in o && "value" in o);
      assert.ok(facts.some((f) => f.title === "Department" && f.value === text), `fact ${JSON.stringify(text)}`);
      assert.ok(facts.some((f) => f.title === text && f.value === text), "details");
      assert.equal(textBlocks(card).filter((t) => t === text).length, 1 + confirmSample.rows.length, "the reason line and each row's name");
      // Structure unchanged: still exactly the two actions carrying only the request ID.
      assert.deepEqual(
        actionsOf(card).map((a) => a.data),
        [{ requestId: confirmSample.requestId }, { requestId: confirmSample.requestId }],
      );
      assert.deepEqual(JSON.parse(JSON.stringify(card)), card);
      assert.equal(validateCard(card), true);
    }
  });

  it("throws on a missing data field instead of sending a card with ${…} in it", () => {
    const partial = { title: "t", style: "good" } as unknown as CardDataByName["notice"];
    assert.throws(
      () => renderCard("notice", partial),
      (err: unknown) => err instanceof CardTemplateError && err.card === "notice" && /message/.test(err.message),
    );
  });

  it("returns a fresh object each time: mutating one card does not change the next", () => {
    const data = samples.notice[0];
    assert.ok(data !== undefined);
    const first = renderCard("notice", data);
    (first.body[0] as Json).style = "mutated";
    first.body.push({ type: "TextBlock", text: "extra" });
    assert.deepEqual(renderCard("notice", data), renderCard("notice", data));
    assert.equal((renderCard("notice", data).body[0] as Json).style, data.style);
    assert.equal(renderCard("notice", data).body.length, 1);
  });

  it("cardAttachment wraps the card as an Adaptive Card attachment", () => {
    const data = samples.notice[1];
    assert.ok(data !== undefined);
    const attachment = cardAttachment("notice", data);
    assert.equal(attachment.contentType, ADAPTIVE_CARD_CONTENT_TYPE);
    assert.equal(attachment.contentType, "application/vnd.microsoft.card.adaptive");
    assert.deepEqual(attachment.content, renderCard("notice", data));
  });
});
