/**
 * The governance back-office: AdminJS 7 at /admin in the API's process.
 *
 *   mountBackoffice(app, runtime, { production })   // before any body parser on the app
 *
 * - Admins log in with email + password (scrypt); sessions live server-side in admin_sessions, the
 *   cookie holds a random id (httpOnly, SameSite=Strict, Secure in production); logins are
 *   rate-limited per email and per address through the RateLimiter port.
 * - Resources are read models (backoffice/read-model.ts); every write is a custom action calling an
 *   application/admin use case (backoffice/actions.ts), behind a server-side role gate (gate.ts).
 * - The custom React components are bundled here, once per process, lazily on first request, into
 *   memory (never into the shared .adminjs folder): works offline, in CI, and under Express 5, which
 *   will not serve AdminJS's dot-folder bundle.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import AdminJSExpress from "@adminjs/express"
import AdminJS, { ComponentLoader } from "adminjs"
import type { AdminJSOptions, ResourceWithOptions } from "adminjs"
import { AssetBundler, componentsBundler, generateUserComponentEntry } from "adminjs/bundler"
import { Effect, Option, Redacted } from "effect"
import type express from "express"
import session from "express-session"
import { authenticateAdmin } from "../application/admin/admin-accounts.js"
import type { PlatformRuntime } from "../composition/platform.js"
import { Database } from "../adapters/postgres/database.js"
import { actionLabels } from "./actions.js"
import type { BackofficeContext } from "./actions.js"
import { dashboardData, trendsData } from "./dashboard.js"
import { dailyReportPage } from "./daily-report.js"
import { makeCsrf } from "./csrf.js"
import { adminWriteGate } from "./gate.js"
import type { Refuse } from "./gate.js"
import { adminPages } from "./html.js"
import { listParamsGuard } from "./list-params.js"
import type { Read } from "./read-model.js"
import { brandsResource, productsResource, sellersResource } from "./resources/catalogue.js"
import { discountCodesResource, promotionsResource } from "./resources/incentives.js"
import {
  adminUsersResource,
  auditLogResource,
  commissionsResource,
  exceptionsResource,
  heldMoneyResource,
  payoutBatchesResource,
  payoutsResource,
  refundsResource
} from "./resources/operations.js"
import { callbacksResource, ledgerResource, ordersResource, paymentsResource } from "./resources/orders.js"
import { conversationsResource } from "./resources/conversations.js"
import { PostgresAdminSessionStore } from "./session-store.js"
import { log } from "../adapters/system/logging.js"
import { usersResource } from "./resources/users.js"
import { affiliateApplicationsResource } from "./resources/affiliates.js"
import { categoriesResource, locationsResource, ratesResource, ridersResource, zonesResource } from "./resources/settings.js"
import { serveUpload } from "./uploads.js"

export interface BackofficeOptions {
  readonly production: boolean
  /** signs the session-id cookie (ADMIN_SESSION_SECRET, read once: session-secret.ts) */
  readonly sessionSecret: Redacted.Redacted<string>
  readonly sessionTtlMs?: number
  /** runs first on every /admin request: bounds the body before the form parser buffers it */
  readonly bodyGuard: express.RequestHandler
  /** the body bound the form parser is held to as well */
  readonly maxBodyBytes: number
  /** the client's address as a rate-limit key (TRUST_PROXY honoured) */
  readonly clientAddress: (req: express.Request) => string
  /** how the guards (gate, CSRF, list queries) answer a refusal: problem+json */
  readonly refuse: Refuse
  /** origins the back-office is reached on besides the request's own Host (PUBLIC_BASE_URL's) */
  readonly publicOrigins: ReadonlyArray<string>
}

export const ADMIN_ROOT = "/admin"
const COOKIE_NAME = "amana_admin"

const component = (loader: ComponentLoader, name: string) => loader.add(name, fileURLToPath(new URL(`./components/${name}.jsx`, import.meta.url)))

/** Bundles the custom components in a private temporary folder and returns the code. */
const bundleComponents = async (admin: AdminJS): Promise<string> => {
  const dir = await mkdtemp(join(tmpdir(), "amana-adminjs-"))
  try {
    const entry = join(dir, "entry.js")
    const output = join(dir, "bundle.js")
    await writeFile(entry, generateUserComponentEntry(admin, dir))
    await new AssetBundler({ ...componentsBundler.inputOptions, input: entry }, { ...componentsBundler.outputOptions, file: output }).build()
    return await readFile(output, "utf8")
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

/** What the login page says: whose back-office this is, and what it is for. */
export const LOGIN_WELCOME = {
  header: "Amana back-office",
  message:
    "Where Amana's operations team reviews sellers and products, runs promotions, works exceptions, approves payouts and runs the platform's settings. Every action is audited."
} as const

const humanize = (id: string) => id.replaceAll("_", " ").replace(/^./, (c) => c.toUpperCase())

export const buildAdmin = (runtime: PlatformRuntime): AdminJS => {
  const loader = new ComponentLoader()
  const components = {
    ActionForm: component(loader, "ActionForm"),
    Dashboard: component(loader, "Dashboard"),
    DailyReport: component(loader, "DailyReport"),
    OrderReceipt: component(loader, "OrderReceipt"),
    ProductReview: component(loader, "ProductReview"),
    KycDocuments: component(loader, "KycDocuments")
  }
  const read: Read = (f) => runtime.runPromise(Effect.flatMap(Database, (db) => db.query(f)))
  const ctx: BackofficeContext = { runtime, read, components }
  const resources: Array<ResourceWithOptions> = [
    productsResource(ctx),
    brandsResource(ctx),
    sellersResource(ctx),
    promotionsResource(ctx),
    discountCodesResource(ctx),
    ordersResource(ctx),
    paymentsResource(ctx),
    callbacksResource(ctx),
    conversationsResource(ctx),
    ledgerResource(ctx),
    exceptionsResource(ctx),
    heldMoneyResource(ctx),
    refundsResource(ctx),
    payoutBatchesResource(ctx),
    payoutsResource(ctx),
    commissionsResource(ctx),
    auditLogResource(ctx),
    adminUsersResource(ctx),
    usersResource(ctx),
    affiliateApplicationsResource(ctx),
    zonesResource(ctx),
    ratesResource(ctx),
    locationsResource(ctx),
    categoriesResource(ctx),
    ridersResource(ctx)
  ]
  const resourceTranslations = Object.fromEntries(
    resources.map((r) => {
      const id = (r.options?.id ?? "") as string
      return [id, { actions: { ...actionLabels.get(id), verifyChain: "Verify chain", ...(id === "orders" && { show: "Receipt" }) } }]
    })
  )
  const options: AdminJSOptions = {
    rootPath: ADMIN_ROOT,
    loginPath: `${ADMIN_ROOT}/login`,
    logoutPath: `${ADMIN_ROOT}/logout`,
    componentLoader: loader,
    resources,
    dashboard: {
      component: components.Dashboard,
      handler: async () => {
        // the charts are a read of the read models: if it fails, today's cards still show
        const trends = trendsData(runtime).catch((e: unknown) => {
          log("error", "dashboard trends unavailable", { error: e instanceof Error ? e.message : String(e) })
          return null
        })
        const [today, last14] = await Promise.all([dashboardData(read), trends])
        return { ...today, trends: last14 }
      }
    },
    // the platform's end-of-day report for a chosen day (?day=YYYY-MM-DD, default today)
    pages: {
      dailyReport: {
        component: components.DailyReport,
        icon: "Calendar",
        handler: async (request: { query?: unknown }) => dailyReportPage(runtime, request.query)
      }
    },
    branding: {
      companyName: "Amana back-office",
      withMadeWithLove: false,
      logo: false,
      theme: { colors: { primary100: "#1570ef", primary80: "#2e90fa", primary60: "#53b1fd", primary40: "#84caff", primary20: "#d1e9ff" } }
    },
    locale: {
      language: "en",
      availableLanguages: ["en"],
      translations: {
        en: {
          labels: Object.fromEntries(resources.map((r) => [r.options?.id ?? "", humanize(String(r.options?.id ?? ""))])),
          pages: { dailyReport: "End of day report" },
          // The login page's left panel (AdminJS's own words otherwise advertise AdminJS).
          components: { Login: { welcomeHeader: LOGIN_WELCOME.header, welcomeMessage: LOGIN_WELCOME.message } },
          messages: {
            invalidCredentials: "Wrong email or password",
            tooManyRequests: "Too many login attempts: wait a few minutes and try again",
            loginUnavailable: "Logging in is not possible right now: try again in a moment"
          },
          resources: resourceTranslations
        }
      }
    }
  }
  return new AdminJS(options)
}

export const mountBackoffice = (app: express.Express, runtime: PlatformRuntime, options: BackofficeOptions): void => {
  // In production AdminJS would otherwise try to bundle into ./.adminjs at start; we serve our own bundle.
  if (options.production) process.env["ADMIN_JS_SKIP_BUNDLE"] = "true"
  const admin = buildAdmin(runtime)
  let bundle: Promise<string> | undefined
  app.get(`${ADMIN_ROOT}/frontend/assets/components.bundle.js`, (_req, res, next) => {
    bundle ??= bundleComponents(admin)
    bundle.then(
      (code) => res.type("text/javascript; charset=utf-8").set("Cache-Control", "no-cache").send(code),
      (e: unknown) => {
        bundle = undefined
        next(e)
      }
    )
  })

  const sessionMiddleware = session({
    name: COOKIE_NAME,
    secret: Redacted.value(options.sessionSecret),
    store: new PostgresAdminSessionStore(runtime),
    resave: false,
    saveUninitialized: false,
    rolling: true,
    // behind a TLS-terminating proxy, trust X-Forwarded-Proto to decide whether the Secure cookie may be set
    proxy: options.production,
    cookie: { httpOnly: true, sameSite: "strict", secure: options.production, path: ADMIN_ROOT, maxAge: options.sessionTtlMs ?? 8 * 60 * 60_000 }
  })
  // formidable's own defaults are 20 MB of fields and 1,000 of them
  const formOptions = { maxFieldsSize: options.maxBodyBytes, maxFileSize: options.maxBodyBytes, maxFields: 500 }
  const csrf = makeCsrf({
    production: options.production,
    secret: options.sessionSecret,
    publicOrigins: options.publicOrigins,
    formOptions,
    refuse: options.refuse
  })
  const describe = (resourceId: string): ReadonlyMap<string, string> | undefined => {
    try {
      return new Map(
        admin
          .findResource(resourceId)
          .properties()
          .map((p) => [p.path(), String(p.type())])
      )
    } catch {
      return undefined
    }
  }
  // The session runs before the guards; the router's own session middleware then sees req.session and steps aside.
  // Pages get their CSP nonce and CSRF token; changes must come from our pages (Origin, token); the role gate; list queries.
  app.use(
    ADMIN_ROOT,
    options.bodyGuard,
    sessionMiddleware,
    adminPages(csrf.tokenFor),
    csrf.guard,
    adminWriteGate(options.refuse),
    listParamsGuard(describe, options.refuse)
  )

  // sellers' KYC documents, read through the admin session (the session and guards above ran)
  app.get(`${ADMIN_ROOT}/uploads/:id`, serveUpload(runtime, options.refuse))

  const router = AdminJSExpress.buildAuthenticatedRouter(
    admin,
    {
      cookieName: COOKIE_NAME,
      cookiePassword: Redacted.value(options.sessionSecret),
      authenticate: async (email: string, password: string, context?: { req: express.Request }) => {
        const outcome = await runtime.runPromise(
          Effect.either(
            authenticateAdmin({
              email: String(email ?? ""),
              password: String(password ?? ""),
              clientAddress: context ? options.clientAddress(context.req) : "unknown"
            })
          )
        )
        if (outcome._tag === "Left") {
          if (outcome.left._tag === "AdminLoginThrottled") throw new Error("tooManyRequests")
          // the login page shows the message: never a database's words (they go to the log)
          log("error", "back-office login failed", { error: outcome.left.message })
          throw new Error("loginUnavailable")
        }
        return Option.match(outcome.right, {
          onNone: () => null,
          onSome: (a) => ({ id: a.id, email: a.email, role: a.role, title: a.role.replaceAll("_", " ").toLowerCase() })
        })
      }
    },
    null,
    { resave: false, saveUninitialized: false } as never,
    formOptions
  )
  app.use(ADMIN_ROOT, router)
}
