// Small shared pieces for the back-office components (bundled by AdminJS for the browser).
import React from "react"

export const fmt = (m) => {
  if (!m || typeof m.amount !== "number") return ""
  const unit = m.currency === "UGX" ? 1 : 100
  const abs = Math.abs(m.amount)
  const whole = Math.floor(abs / unit).toLocaleString("en-US")
  const frac = unit === 1 ? "" : "." + String(abs % unit).padStart(2, "0")
  return (m.amount < 0 ? "-" : "") + m.currency + " " + whole + frac
}

export const when = (value) => {
  if (!value) return ""
  const d = new Date(value)
  if (Number.isNaN(d.getTime())) return String(value)
  return d.toLocaleString("en-GB", { timeZone: "Africa/Nairobi", day: "2-digit", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit" })
}

export const parse = (value) => {
  if (value === undefined || value === null || value === "") return null
  if (typeof value === "object") return value
  try {
    return JSON.parse(value)
  } catch (e) {
    return null
  }
}

const tones = {
  green: { bg: "#e7f6ec", fg: "#1e6b3a" },
  amber: { bg: "#fff4dc", fg: "#8a5a00" },
  red: { bg: "#fde8e8", fg: "#9b1c1c" },
  blue: { bg: "#e8f0fe", fg: "#1a4fa3" },
  grey: { bg: "#eef0f3", fg: "#4a5563" }
}

const stateTone = (s) => {
  if (["VERIFIED", "PAID", "COMPLETED", "DELIVERED", "SUCCEEDED", "LIVE", "ACTIVE", "RESOLVED", "APPROVED"].includes(s)) return "green"
  if (["PENDING_REVIEW", "PENDING", "PENDING_PAYMENT", "SCHEDULED", "OPEN", "DRAFT", "DISPUTED", "SUBMITTED"].includes(s)) return "amber"
  if (["REJECTED", "SUSPENDED", "BANNED", "FAILED", "PAYMENT_FAILED", "CANCELLED", "REFUNDED", "EXPIRED", "ENDED", "DELIVERY_FAILED"].includes(s)) return "red"
  if (["ACCEPTED", "DISPATCHED", "PICKED_UP", "IN_TRANSIT", "PAUSED"].includes(s)) return "blue"
  return "grey"
}

export const Pill = ({ children, tone }) => {
  const t = tones[tone || stateTone(String(children))] || tones.grey
  return React.createElement(
    "span",
    {
      style: { background: t.bg, color: t.fg, borderRadius: 999, padding: "2px 10px", fontSize: 12, fontWeight: 600, letterSpacing: 0.3, whiteSpace: "nowrap" }
    },
    String(children).replace(/_/g, " ")
  )
}

export const Card = ({ title, children, accent, testId, fill }) => (
  <section
    data-testid={testId}
    style={{
      height: fill ? "100%" : undefined,
      boxSizing: "border-box",
      background: "#fff",
      borderRadius: 10,
      border: "1px solid #e4e7ec",
      boxShadow: "0 1px 2px rgba(16,24,40,0.05)",
      padding: 20,
      borderTop: accent ? "3px solid " + accent : undefined
    }}
  >
    {title ? (
      <h3 style={{ margin: "0 0 12px", fontSize: 13, fontWeight: 600, color: "#667085", textTransform: "uppercase", letterSpacing: 0.6 }}>{title}</h3>
    ) : null}
    {children}
  </section>
)

export const Table = ({ columns, rows, empty }) => (
  <table style={{ width: "100%", borderCollapse: "collapse", fontSize: 14 }}>
    <thead>
      <tr>
        {columns.map((c) => (
          <th
            key={c.key}
            style={{
              textAlign: c.align || "left",
              padding: "8px 10px",
              borderBottom: "1px solid #e4e7ec",
              color: "#667085",
              fontWeight: 600,
              fontSize: 12,
              textTransform: "uppercase",
              letterSpacing: 0.4
            }}
          >
            {c.label}
          </th>
        ))}
      </tr>
    </thead>
    <tbody>
      {rows.length === 0 ? (
        <tr>
          <td colSpan={columns.length} style={{ padding: 12, color: "#98a2b3" }}>
            {empty || "Nothing yet"}
          </td>
        </tr>
      ) : null}
      {rows.map((r, i) => (
        <tr key={i}>
          {columns.map((c) => (
            <td key={c.key} style={{ textAlign: c.align || "left", padding: "8px 10px", borderBottom: "1px solid #f2f4f7", verticalAlign: "top" }}>
              {c.render ? c.render(r) : r[c.key]}
            </td>
          ))}
        </tr>
      ))}
    </tbody>
  </table>
)
