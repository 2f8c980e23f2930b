// The platform's end-of-day report for a chosen Nairobi day (default today): the figures the 21:00
// WhatsApp message is made of, and the message itself.
import React, { useEffect, useState } from "react"
import { ApiClient } from "adminjs"
import { Card } from "./ui.jsx"

const api = new ApiClient()

const Row = ({ label, value, testId }) => (
  <tr>
    <td style={{ padding: "6px 16px 6px 0", color: "#667085" }}>{label}</td>
    <td data-testid={testId} style={{ padding: "6px 0", fontWeight: 600, color: "#101828" }}>
      {value}
    </td>
  </tr>
)

const DailyReport = () => {
  const [day, setDay] = useState("")
  const [data, setData] = useState(null)
  const [error, setError] = useState(null)
  useEffect(() => {
    const fromUrl = new URLSearchParams(window.location.search).get("day") || ""
    api
      .getPage({ pageName: "dailyReport", params: fromUrl ? { day: fromUrl } : {} })
      .then((r) => {
        setData(r.data)
        setDay(r.data.day)
      })
      .catch((e) => setError(e.message))
  }, [])
  const pick = (value) => {
    setDay(value)
    if (!value) return
    api
      .getPage({ pageName: "dailyReport", params: { day: value } })
      .then((r) => setData(r.data))
      .catch((e) => setError(e.message))
  }
  if (error) return <div style={{ padding: 32 }}>Could not load the report: {error}</div>
  if (!data) return <div style={{ padding: 32, color: "#667085" }}>Loading…</div>
  return (
    <div
      data-testid="amana-daily-report"
      style={{ padding: "28px 32px", background: "#f6f7f9", minHeight: "100%", fontFamily: "Roboto, system-ui, sans-serif" }}
    >
      <div style={{ display: "flex", alignItems: "baseline", justifyContent: "space-between", marginBottom: 20 }}>
        <h1 style={{ margin: 0, fontSize: 24, fontWeight: 700, color: "#101828" }}>End of day on Amana</h1>
        <label style={{ color: "#667085", fontSize: 14 }}>
          Day (Nairobi) <input data-testid="daily-report-day" type="date" value={day} onChange={(e) => pick(e.target.value)} />
        </label>
      </div>
      <Card title={"The platform on " + data.day} testId="daily-report-figures">
        <table>
          <tbody>
            <Row label="Orders placed" value={data.ordersPlaced} testId="daily-report-placed" />
            <Row label="Orders paid" value={data.ordersPaid} testId="daily-report-paid" />
            <Row label="Revenue (paid orders)" value={data.revenue.length ? data.revenue.join(" + ") : "KES 0.00"} testId="daily-report-revenue" />
            <Row label="Refunded" value={data.refunded.length ? data.refunded.join(" + ") : "none"} />
            <Row label="M-Pesa payments paid / failed" value={data.paymentsSucceeded + " / " + data.paymentsFailed} />
            <Row label="Deliveries late / on time (SLA)" value={data.lateDeliveries + " / " + data.onTimeDeliveries} testId="daily-report-late" />
            <Row label="Issues open" value={data.openIssues} testId="daily-report-open" />
            <Row label="Median checkout to paid" value={data.medianMinutesToPaid === null ? "no payments" : data.medianMinutesToPaid + " min"} />
            <Row label="Reports sent at 21:00" value={data.reportsSent.stores + " to stores, " + data.reportsSent.admins + " to admins"} />
          </tbody>
        </table>
      </Card>
      <div style={{ height: 16 }} />
      <Card title="The WhatsApp message" testId="daily-report-message">
        <div style={{ whiteSpace: "pre-wrap", color: "#101828" }}>{data.message}</div>
      </Card>
    </div>
  )
}

export default DailyReport
