/**
 * How a back-office write is wired: an AdminJS record or resource action whose handler decodes the
 * form, runs ONE application use case through the platform runtime (which checks the role again and
 * writes the audit entry and the events), and reports the outcome as a notice. The same capability
 * decides whether AdminJS shows the button (`isAccessible`) and whether the server gate lets the
 * request through (see gate.ts): hiding a button is a convenience, the checks are on the server.
 */
import { Effect, Option, Schema } from "effect"
import type { ActionContext, ActionRequest, ActionResponse, CurrentAdmin, ResourceOptions } from "adminjs"
import type { Response } from "express"
import { hasBadText } from "../domain/text.js"
import { log } from "../adapters/system/logging.js"
import { AdminRole, can } from "../application/admin/admin-roles.js"
import { AdminUserId } from "../domain/ids.js"
import type { AdminActor, Capability } from "../application/admin/admin-roles.js"
import type { PlatformRuntime, PlatformServices } from "../composition/platform.js"
import type { Read } from "./read-model.js"

export interface BackofficeContext {
  readonly runtime: PlatformRuntime
  readonly read: Read
  readonly components: Readonly<Record<"ActionForm" | "Dashboard" | "OrderReceipt" | "ProductReview" | "KycDocuments", string>>
}

export const actorOf = (currentAdmin: CurrentAdmin | undefined): AdminActor | undefined => {
  const id = Schema.decodeUnknownOption(AdminUserId)(currentAdmin?.["id"])
  const role = currentAdmin?.["role"]
  if (Option.isNone(id) || typeof currentAdmin?.email !== "string" || !AdminRole.literals.includes(role)) return undefined
  return { id: id.value, email: currentAdmin.email, role: role as AdminRole }
}

export const allowed =
  (capability: Capability) =>
  (context: { currentAdmin?: CurrentAdmin }): boolean => {
    const actor = actorOf(context.currentAdmin)
    return actor !== undefined && can(actor.role, capability)
  }

/** A form field of the generic ActionForm component. */
export interface Field {
  readonly name: string
  readonly label: string
  readonly type: "text" | "textarea" | "number" | "datetime" | "select"
  readonly required?: boolean
  readonly options?: ReadonlyArray<{ readonly value: string; readonly label: string }>
  readonly help?: string
  /** record param that pre-fills the field (revisions start from the current rule) */
  readonly from?: string
  readonly placeholder?: string
}

export type Payload = Readonly<Record<string, string | undefined>>

export interface WriteActionSpec {
  readonly actionType: "record" | "resource"
  readonly capability: Capability
  readonly icon: string
  readonly label: string
  readonly submitLabel: string
  readonly variant?: "danger" | "primary"
  readonly fields: ReadonlyArray<Field>
  /** Whether the action applies to this record's current state (hides it otherwise; the use case re-checks). */
  readonly when?: (params: Readonly<Record<string, unknown>>) => boolean
  readonly run: (actor: AdminActor, payload: Payload, recordId: string | undefined) => Effect.Effect<string, unknown, PlatformServices>
}

/** Capability and kind per (resource, action), read by the server gate (which answers each action on its own route only). */
export const writeCapabilities = new Map<string, { readonly capability: Capability; readonly actionType: WriteActionSpec["actionType"] }>()
/** Button labels per resource (AdminJS takes them from its translations). */
export const actionLabels = new Map<string, Record<string, string>>()

const messageOf = (e: unknown): string =>
  e instanceof Error || (typeof e === "object" && e !== null && "message" in e) ? String((e as { message: unknown }).message) : String(e)
/**
 * What the admin is told when an action fails: our own refusals say why (they are written for a
 * person); a store failure or anything unexpected gets a fixed sentence, and its text (a database's
 * words) goes to the log only.
 */
const noticeOf = (e: unknown, where: string): string => {
  const tag = typeof e === "object" && e !== null ? (e as { _tag?: unknown })._tag : undefined
  if (e instanceof FormError || (typeof tag === "string" && tag !== "StoreUnavailable")) return messageOf(e)
  log("error", "back-office action failed", { action: where, error: messageOf(e) })
  return "something went wrong on our side: nothing was changed; try again in a moment"
}

const isForbidden = (e: unknown) => typeof e === "object" && e !== null && (e as { _tag?: unknown })._tag === "AdminForbidden"

const payloadOf = (request: ActionRequest): Payload => {
  const out: Record<string, string | undefined> = {}
  for (const [k, v] of Object.entries(request.payload ?? {})) out[k] = v === null || v === undefined ? undefined : String(v)
  return out
}

export const writeAction = (ctx: BackofficeContext, resourceId: string, name: string, spec: WriteActionSpec) => {
  writeCapabilities.set(`${resourceId}:${name}`, { capability: spec.capability, actionType: spec.actionType })
  actionLabels.set(resourceId, { ...actionLabels.get(resourceId), [name]: spec.label })
  const accessible = (context: ActionContext) => allowed(spec.capability)(context) && (!spec.when || !context.record || spec.when(context.record.params))
  return {
    actionType: spec.actionType,
    icon: spec.icon,
    component: ctx.components.ActionForm,
    custom: { fields: spec.fields, submitLabel: spec.submitLabel, variant: spec.variant ?? "primary", title: spec.label },
    isAccessible: accessible,
    isVisible: accessible,
    handler: async (request: ActionRequest, response: Response, context: ActionContext): Promise<ActionResponse> => {
      const record = context.record
      const current = () => (record ? { record: record.toJSON(context.currentAdmin) } : {})
      if (request.method !== "post") return current()
      const actor = actorOf(context.currentAdmin)
      if (!actor) {
        response.status(401)
        return { ...current(), notice: { message: "not logged in", type: "error" } }
      }
      const payload = payloadOf(request)
      // the same refusal the API's edge makes (REQUEST.INVALID_TEXT): text the database cannot hold
      if (hasBadText(payload)) return { ...current(), notice: { message: "a field contains a NUL character or is not valid Unicode text", type: "error" } }
      const outcome = await ctx.runtime.runPromise(Effect.either(spec.run(actor, payload, record?.id())))
      if (outcome._tag === "Left") {
        if (isForbidden(outcome.left)) response.status(403)
        return { ...current(), notice: { message: noticeOf(outcome.left, `${resourceId}:${name}`), type: "error" } }
      }
      const fresh = record ? await context.resource.findOne(record.id(), context) : null
      return {
        ...(fresh ? { record: fresh.toJSON(context.currentAdmin) } : current()),
        notice: { message: outcome.right, type: "success" },
        redirectUrl: record
          ? context.h.recordActionUrl({ resourceId, recordId: record.id(), actionName: "show" })
          : context.h.resourceActionUrl({ resourceId, actionName: "list" })
      }
    }
  }
}

/** Read-only resources: the built-in writes are switched off (and the read model refuses them anyway). */
export const readOnlyActions = (capability: Capability): NonNullable<ResourceOptions["actions"]> => ({
  list: { isAccessible: allowed(capability) },
  show: { isAccessible: allowed(capability) },
  search: { isAccessible: allowed(capability) },
  new: { isAccessible: false, isVisible: false },
  edit: { isAccessible: false, isVisible: false },
  delete: { isAccessible: false, isVisible: false },
  bulkDelete: { isAccessible: false, isVisible: false }
})

// ---------------------------------------------------------------------------------------------
// Form decoding helpers (KES amounts are typed in shillings; money is stored in minor units)

export class FormError extends Error {}

export const text = (p: Payload, key: string): string | undefined => {
  const v = p[key]?.trim()
  return v === undefined || v === "" ? undefined : v
}

export const shillingsToMinor = (raw: string | undefined, what: string): number | undefined => {
  if (raw === undefined || raw.trim() === "") return undefined
  const m = /^\s*(\d{1,12})(?:\.(\d{1,2}))?\s*$/.exec(raw.replaceAll(",", ""))
  if (!m) throw new FormError(`${what}: write an amount like 1500 or 1500.50`)
  return Number(m[1]) * 100 + Number((m[2] ?? "0").padEnd(2, "0"))
}

export const wholeNumber = (raw: string | undefined, what: string): number | undefined => {
  if (raw === undefined || raw.trim() === "") return undefined
  if (!/^-?\d{1,9}$/.test(raw.trim())) throw new FormError(`${what}: a whole number`)
  return Number(raw.trim())
}

/** datetime-local values are Nairobi time (UTC+3, no DST) unless they carry a zone. */
export const instant = (raw: string | undefined, what: string): number | undefined => {
  if (raw === undefined || raw.trim() === "") return undefined
  const v = raw.trim()
  const withZone = /[zZ]|[+-]\d\d:?\d\d$/.test(v) ? v : `${v.length === 16 ? `${v}:00` : v}+03:00`
  const ms = Date.parse(withZone)
  if (Number.isNaN(ms)) throw new FormError(`${what}: not a date and time`)
  return ms
}

/**
 * An id from an AdminJS record (or a form field), decoded into its brand (domain/ids.ts) before any
 * use case sees it: a missing or malformed id is a notice, never a query with a blank id.
 */
export const recordIdAs = <A>(schema: Schema.Schema<A, string>, raw: string | undefined, what = "record"): Effect.Effect<A, FormError> =>
  Option.match(Schema.decodeUnknownOption(schema)(raw), { onNone: () => Effect.fail(new FormError(`${what}: not a valid id`)), onSome: Effect.succeed })

/** Runs a decoder that may throw FormError as an Effect failure (shown to the admin as a notice). */
export const decodeForm = <A>(f: () => A): Effect.Effect<A, FormError> =>
  Effect.try({ try: f, catch: (e) => (e instanceof FormError ? e : new FormError(messageOf(e))) })
