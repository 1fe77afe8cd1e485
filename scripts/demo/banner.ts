/** What `npm run demo` prints once everything is up. */
export interface BannerInfo {
  playgroundUrl: string;
  simulatorUrl: string;
  teamName: string;
  auditChannelName: string;
  auditLog: string;
  botLog: string;
  playgroundLog: string;
  playgroundConfig: string;
}

export function bannerText(info: BannerInfo): string {
  return `demo ready ${JSON.stringify(info)}`;
}

export function printBanner(info: BannerInfo): void {
  process.stdout.write(`${bannerText(info)}\n`);
}
