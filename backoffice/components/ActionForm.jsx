// One form for every back-office write: the fields come from the action's `custom.fields`; the
// submit posts them to the action, whose server handler runs the use case.
import React, { useState } from "react"
import { ApiClient, useNotice } from "adminjs"
import { Card, Pill } from "./ui.jsx"

const api = new ApiClient()

const inputStyle = {
  width: "100%",
  boxSizing: "border-box",
  padding: "9px 12px",
  border: "1px solid #d0d5dd",
  borderRadius: 8,
  fontSize: 14,
  fontFamily: "inherit",
  background: "#fff"
}

const initialValues = (fields, record) => {
  const values = {}
  fields.forEach((f) => {
    const fromRecord = f.from && record && record.params ? record.params[f.from] : undefined
    values[f.name] =
      fromRecord !== undefined && fromRecord !== null ? String(fromRecord) : f.type === "select" && f.options && f.options[0] ? f.options[0].value : ""
  })
  return values
}

const ActionForm = (props) => {
  const { action, record, resource } = props
  const custom = action.custom || {}
  const fields = custom.fields || []
  const [values, setValues] = useState(() => initialValues(fields, record))
  const [busy, setBusy] = useState(false)
  const [outcome, setOutcome] = useState(null)
  const addNotice = useNotice()
  const set = (name) => (event) => setValues({ ...values, [name]: event.target.value })

  const submit = async (event) => {
    event.preventDefault()
    setBusy(true)
    try {
      const base = { resourceId: resource.id, actionName: action.name, data: values }
      const response = record ? await api.recordAction({ ...base, recordId: record.id }) : await api.resourceAction(base)
      const notice = response.data.notice
      setOutcome(notice || null)
      if (notice) addNotice(notice)
      if (notice && notice.type === "success" && response.data.redirectUrl) window.location.assign(response.data.redirectUrl)
    } catch (e) {
      const message = (e.response && e.response.data && e.response.data.error && e.response.data.error.message) || e.message
      setOutcome({ type: "error", message })
      addNotice({ type: "error", message })
    } finally {
      setBusy(false)
    }
  }

  const danger = custom.variant === "danger"
  return (
    <div style={{ padding: "24px 32px", maxWidth: 760 }}>
      <Card accent={danger ? "#f04438" : "#2e90fa"}>
        <h2 style={{ margin: "0 0 4px", fontSize: 20, color: "#101828" }}>{custom.title || action.name}</h2>
        {record ? (
          <div style={{ color: "#667085", marginBottom: 16, display: "flex", gap: 8, alignItems: "center" }}>
            <span>{record.title || record.id}</span>
            {record.params.state || record.params.kyc_state || record.params.status ? (
              <Pill>{record.params.state || record.params.kyc_state || record.params.status}</Pill>
            ) : null}
          </div>
        ) : (
          <div style={{ marginBottom: 16 }} />
        )}
        <form onSubmit={submit} data-testid="action-form">
          {fields.map((f) => (
            <div key={f.name} style={{ marginBottom: 14 }}>
              <label htmlFor={"field-" + f.name} style={{ display: "block", fontSize: 13, fontWeight: 600, color: "#344054", marginBottom: 6 }}>
                {f.label}
                {f.required ? " *" : ""}
              </label>
              {f.type === "textarea" ? (
                <textarea
                  id={"field-" + f.name}
                  name={f.name}
                  rows={3}
                  required={!!f.required}
                  value={values[f.name]}
                  onChange={set(f.name)}
                  style={inputStyle}
                />
              ) : f.type === "select" ? (
                <select id={"field-" + f.name} name={f.name} required={!!f.required} value={values[f.name]} onChange={set(f.name)} style={inputStyle}>
                  {(f.options || []).map((o) => (
                    <option key={o.value} value={o.value}>
                      {o.label}
                    </option>
                  ))}
                </select>
              ) : (
                <input
                  id={"field-" + f.name}
                  name={f.name}
                  required={!!f.required}
                  value={values[f.name]}
                  onChange={set(f.name)}
                  style={inputStyle}
                  type={f.type === "datetime" ? "datetime-local" : f.type === "number" ? "text" : "text"}
                  inputMode={f.type === "number" ? "decimal" : undefined}
                  placeholder={f.placeholder}
                />
              )}
              {f.help ? <div style={{ fontSize: 12, color: "#667085", marginTop: 4 }}>{f.help}</div> : null}
            </div>
          ))}
          <button
            type="submit"
            disabled={busy}
            data-testid="action-submit"
            style={{
              background: danger ? "#d92d20" : "#1570ef",
              color: "#fff",
              border: 0,
              borderRadius: 8,
              padding: "10px 18px",
              fontWeight: 600,
              fontSize: 14,
              cursor: busy ? "wait" : "pointer"
            }}
          >
            {busy ? "Working…" : custom.submitLabel || "Submit"}
          </button>
        </form>
        {outcome ? (
          <div
            data-testid="action-outcome"
            style={{
              marginTop: 16,
              padding: "10px 14px",
              borderRadius: 8,
              background: outcome.type === "success" ? "#e7f6ec" : "#fde8e8",
              color: outcome.type === "success" ? "#1e6b3a" : "#9b1c1c"
            }}
          >
            {outcome.message}
          </div>
        ) : null}
      </Card>
    </div>
  )
}

export default ActionForm
