/**
 * Debian's chromium driven by playwright-core (never a downloaded browser). CI installs chromium in
 * .ci/run; without it the browser suites skip and say why.
 */
import { existsSync } from "node:fs"
import { mkdir } from "node:fs/promises"
import { chromium } from "playwright-core"
import type { Browser, BrowserContext, Page } from "playwright-core"

const candidates = [process.env["CHROMIUM_PATH"], "/usr/bin/chromium", "/usr/bin/chromium-browser"].filter((p): p is string => !!p)
export const chromiumPath = candidates.find((p) => existsSync(p))
export const noBrowserReason = chromiumPath ? undefined : "chromium is not installed (CI installs Debian's chromium in .ci/run)"

export const launch = (): Promise<Browser> =>
  chromium.launch({
    executablePath: chromiumPath ?? "chromium",
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-dev-shm-usage"
    ]
  })

/** What chromium reported as refused by a Content-Security-Policy, on any page of any context made here. */
export const cspViolations: Array<string> = []

/** A context that can reach only the server under test (the back-office loads nothing from elsewhere; the test runs offline). */
export const offlineContext = async (browser: Browser, base: string): Promise<BrowserContext> => {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: "en-GB", timezoneId: "Africa/Nairobi" })
  await context.route("**/*", (route) => (route.request().url().startsWith(base) ? route.continue() : route.abort()))
  context.on("console", (message) => {
    if (/Content Security Policy|Refused to (execute|load|apply|connect|frame|evaluate)/i.test(message.text()))
      cspViolations.push(`${message.location().url}: ${message.text()}`)
  })
  context.setDefaultTimeout(20_000)
  return context
}

/** Headers a request made by hand from a back-office page needs: our origin and the page's CSRF token. */
export const pageHeaders = async (page: Page, base: string): Promise<Record<string, string>> => ({
  origin: base,
  "x-csrf-token": (await page.locator('meta[name="amana-csrf"]').getAttribute("content")) ?? ""
})

export const login = async (page: Page, base: string, email: string, password: string) => {
  await page.goto(`${base}/admin/login`)
  await page.fill("input[name=email]", email)
  await page.fill("input[name=password]", password)
  await Promise.all([page.waitForURL(`${base}/admin`), page.locator("form button").click()])
}

export const ARTIFACTS = "artifacts"
export const screenshot = async (page: Page, name: string) => {
  await mkdir(ARTIFACTS, { recursive: true })
  await page.screenshot({ path: `${ARTIFACTS}/${name}.png`, fullPage: true })
}
