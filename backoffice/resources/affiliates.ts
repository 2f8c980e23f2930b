/** Affiliate applications: PENDING first, oldest first; a PLATFORM_ADMIN approves (the user gets a code) or rejects with a reason. */
import { Effect } from "effect"
import type { ResourceWithOptions } from "adminjs"
import { decideAffiliateApplication } from "../../application/affiliates/affiliates.js"
import type { AffiliateDecision } from "../../application/affiliates/affiliates.js"
import { FormError, readOnlyActions, text, writeAction } from "../actions.js"
import type { BackofficeContext, Field } from "../actions.js"
import { ReadModelResource } from "../read-model.js"

const reasonField: Field = { name: "reason", label: "Reason (the applicant sees this)", type: "textarea", required: true }
const noteField: Field = { name: "reason", label: "Note (optional)", type: "textarea" }

export const affiliateApplicationsResource = (ctx: BackofficeContext): ResourceWithOptions => {
  const decision = (name: AffiliateDecision, label: string, icon: string, fields: ReadonlyArray<Field>, variant: "danger" | "primary") =>
    writeAction(ctx, "affiliate_applications", name.toLowerCase(), {
      actionType: "record",
      capability: "affiliates.review",
      icon,
      label,
      submitLabel: label,
      variant,
      fields,
      when: (p) => p["state"] === "PENDING",
      run: (actor, payload, id) =>
        id === undefined || id.trim() === ""
          ? Effect.fail(new FormError("application: not a valid id"))
          : Effect.map(decideAffiliateApplication(actor, { applicationId: id, decision: name, reason: text(payload, "reason") }), (r) =>
              r.state === "APPROVED" ? `Approved: the affiliate's code is ${r.code ?? ""}` : "Application rejected"
            )
    })
  return {
    resource: new ReadModelResource(
      {
        id: "affiliate_applications",
        query: `select a.id, a.user_id, u.phone, u.display_name, a.pitch, a.channel, a.state, a.reason, a.code,
                       d.email as decided_by, a.decided_at, a.created_at,
                       (case when a.state = 'PENDING' then '0' else '1' end) || to_char(a.created_at at time zone 'UTC', 'YYYYMMDDHH24MISSUS') as review_order
                  from affiliate_applications a join users u on u.id = a.user_id left join admin_users d on d.id = a.decided_by`,
        properties: [
          { path: "id", isId: true, filter: "exact" },
          { path: "user_id", filter: "exact" },
          { path: "phone" },
          { path: "display_name" },
          { path: "pitch", type: "textarea" },
          { path: "channel" },
          { path: "state", filter: "exact" },
          { path: "reason", type: "textarea" },
          { path: "code" },
          { path: "decided_by" },
          { path: "decided_at", type: "datetime", filter: "range" },
          { path: "created_at", type: "datetime", filter: "range" },
          { path: "review_order", filter: "none" }
        ]
      },
      ctx.read
    ),
    options: {
      id: "affiliate_applications",
      navigation: { name: "Governance", icon: "Shield" },
      sort: { sortBy: "review_order", direction: "asc" },
      listProperties: ["phone", "display_name", "channel", "state", "code", "created_at"],
      showProperties: ["id", "user_id", "phone", "display_name", "pitch", "channel", "state", "reason", "code", "decided_by", "decided_at", "created_at"],
      filterProperties: ["phone", "state", "created_at"],
      properties: { state: { availableValues: ["PENDING", "APPROVED", "REJECTED"].map((v) => ({ value: v, label: v })) } },
      actions: {
        ...readOnlyActions("users.read"),
        approve: decision("APPROVE", "Approve", "CheckCircle", [noteField], "primary"),
        reject: decision("REJECT", "Reject", "XCircle", [reasonField], "danger")
      }
    }
  }
}
