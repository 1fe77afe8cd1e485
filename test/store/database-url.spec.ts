import assert from "node:assert/strict";
import { ConfigError, readDatabaseUrl, redactUrl } from "../../src/config.js";
import { describePostgres, openDatabase } from "../../src/store/database.js";

/** URLs whose passwords (in the user part or the query) hold what used to slip through a pattern. */
const CASES: Array<{ url: string; secrets: string[] }> = [
  { url: "postgres://bot:p@ss@db.internal:5432/revoke", secrets: ["p@ss", "ss@"] },
  { url: "postgres://bot:pa:ss@db.internal/revoke", secrets: ["pa:ss", ":ss"] },
  { url: "postgres://bot:pa%2Fss%3Fx@db.internal/revoke", secrets: ["pa%2F", "ss%3F"] },
  { url: "postgres://bot@db.internal/revoke?password=hunter2", secrets: ["hunter2", "password"] },
  { url: "postgres://bot@db.internal/revoke?sslmode=require&sslpassword=k3ypass&sslkey=/etc/secret/client.key", secrets: ["k3ypass", "sslkey", "/etc/secret", "sslpassword"] },
  { url: "postgresql://bot:s%40cr%3At@db.internal:6432/revoke?application_name=x&password=also", secrets: ["s%40cr", "%3At", "also"] },
];

describe("database URLs in logs, /readyz and error messages", () => {
  for (const { url, secrets } of CASES) {
    it(`shows host, database and user only: ${url.replace(/\/\/.*@/, "//…@").replace(/\?.*/, "?…")}`, () => {
      const description = describePostgres(url);
      assert.match(description, /^PostgreSQL database revoke on db\.internal(:\d+)? as bot$/);
      const redacted = redactUrl(url);
      assert.match(redacted, /^postgres(ql)?:\/\/bot@db\.internal(:\d+)?\/revoke$/);
      for (const secret of secrets) {
        assert.ok(!description.includes(secret), `${secret} in ${description}`);
        assert.ok(!redacted.includes(secret), `${secret} in ${redacted}`);
      }
    });
  }

  it("shows nothing of a URL it cannot parse (a password with a raw / or ?)", () => {
    for (const url of ["postgres://bot:pa/ss@db.internal/revoke", "postgres://bot:pa?ss@db.internal/revoke"]) {
      assert.equal(describePostgres(url), "PostgreSQL (its URL cannot be parsed, so it is not shown)");
      assert.doesNotMatch(redactUrl(url), /pa\/|pa\?|ss@|db\.internal/);
    }
  });

  it("keeps passwords out of the configuration error for a URL of the wrong kind", () => {
    try {
      readDatabaseUrl({ DATABASE_URL: "mysql://bot:p@ss:w0rd@db.internal/revoke?password=hunter2" });
      assert.fail("expected a ConfigError");
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, /got "mysql:\/\/bot@db\.internal\/revoke"/);
      for (const secret of ["p@ss", "w0rd", "hunter2"]) assert.ok(!err.message.includes(secret), err.message);
    }
  });

  it("an opened PostgreSQL database describes itself through the parser (no connection needed)", async () => {
    const opened = await openDatabase("postgres://bot:p@ss@127.0.0.1:1/revoke?sslpassword=k3ypass", { migrate: false });
    try {
      assert.equal(opened.description, "PostgreSQL database revoke on 127.0.0.1:1 as bot");
    } finally {
      await opened.close();
    }
  });
});
