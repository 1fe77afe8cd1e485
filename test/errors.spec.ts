import assert from "node:assert/strict";
import { AppError, userMessageOf } from "../src/errors.js";

describe("errors: what chat may show", () => {
  it("a coded message the bot wrote is shown as it is", () => {
    const err = new AppError("GraphNotFound", "No object alice@contoso.com in this tenant.", { status: 404, graphMessage: "Resource 'x' does not exist" });
    assert.equal(userMessageOf(err), "No object alice@contoso.com in this tenant.");
  });

  it("a coded message that quotes Graph's or MSAL's own text is replaced by the code's fixed sentence", () => {
    const graphText = "Invalid filter clause <script>[click](https://evil)";
    const err = new AppError("GraphBadRequest", `Microsoft Graph refused the request for x: ${graphText}`, { status: 400, graphMessage: graphText });
    const shown = userMessageOf(err);
    assert.ok(!shown.includes(graphText));
    assert.match(shown, /Microsoft Graph refused the request; the details are in the bot's log/);
  });

  it("anything else (connector, SDK, MSAL errors) gets a fixed sentence with no internals", () => {
    for (const err of [new Error("ECONNREFUSED 10.0.0.4:443 token=abc"), "AADSTS7000215: Invalid client secret", { statusCode: 502 }]) {
      const shown = userMessageOf(err);
      assert.equal(shown, "Something went wrong inside the bot; the details are in its log. Nothing was changed by this step.");
    }
  });
});
