/** A target who is a responder, as the card and the audit name them. */
export interface Responder {
  id: string;
  userPrincipalName: string;
  displayName: string | null;
}
