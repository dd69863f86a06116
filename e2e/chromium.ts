// How browser tests and benchmarks launch Chromium: Debian's package when installed (Playwright's
// own browsers cannot be downloaded here), otherwise Playwright's bundled browser.
import { existsSync } from "node:fs";

const DEBIAN_CHROMIUM = "/usr/bin/chromium";

export const chromiumLaunchOptions = {
  executablePath: existsSync(DEBIAN_CHROMIUM) ? DEBIAN_CHROMIUM : undefined,
  args: [
    "--no-sandbox", // headless Chromium as root (CI containers) refuses to start otherwise
    "--disable-gpu",
    // Without these, Chromium keeps trying to reach Google's hosts, out of reach here.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
  ],
};
