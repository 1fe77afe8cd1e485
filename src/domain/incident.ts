/** The incident a request from automation was raised for (e.g. a Microsoft Sentinel incident). */
export interface IncidentRef {
  source: string;
  id: string;
  title: string;
  url?: string;
}
