/**
 * The PostgreSQL password as a Microsoft Entra access token (Azure Database for PostgreSQL flexible
 * server with Microsoft Entra authentication): pg calls this for every new connection, so each one
 * gets a token that is valid now. The credential caches the token and renews it before it expires
 * (MSAL renews within five minutes of the end), so most connections reuse one token and none gets
 * an expired one. A token that is already open in a connection stays valid for that connection:
 * PostgreSQL checks the password only at log-in.
 */

/** The Entra scope of Azure Database for PostgreSQL (and MySQL) tokens. */
export const OSSRDBMS_SCOPE = "https://ossrdbms-aad.database.windows.net/.default";

/** What this needs of an @azure/identity TokenCredential (only getToken). */
export interface TokenSource {
  getToken(scope: string): Promise<{ token: string } | null>;
}

/**
 * A pg `password` function that answers with a fresh Entra access token.
 * @throws Error naming the cause and the fix when no token can be had (pg then fails the connection)
 */
export function entraTokenPassword(credential: TokenSource, scope: string = OSSRDBMS_SCOPE): () => Promise<string> {
  return async () => {
    let token: { token: string } | null;
    try {
      token = await credential.getToken(scope);
    } catch (err) {
      throw new Error(
        `No Microsoft Entra token for the database (${err instanceof Error ? err.message : String(err)}); check that the bot's managed identity (AZURE_CLIENT_ID) exists and is a Microsoft Entra principal of the PostgreSQL server`,
        { cause: err },
      );
    }
    if (token === null || token.token === "") throw new Error("No Microsoft Entra token for the database: the credential returned none");
    return token.token;
  };
}
