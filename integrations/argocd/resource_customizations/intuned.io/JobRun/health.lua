-- Health of a jobctl JobRun (intuned.io/v1alpha1), from its status: Progressing while it runs,
-- Suspended while paused, Healthy once COMPLETED (failed Runs are results, not a broken
-- resource: the message counts them), Degraded when it ended FAILURE, TERMINATED or CANCELED.
local hs = {}
local status = obj.status or {}
local state = status.status

local function counts()
  local succeeded = status.successfulRuns or 0
  local failed = status.failedRuns or 0
  local payloads = status.payloads or 0
  return succeeded .. " succeeded, " .. failed .. " failed, " .. (succeeded + failed) .. " of " ..
    payloads .. " Runs finished"
end

local function why()
  local detail = status.error or status.reason
  if detail ~= nil and detail.message ~= nil and detail.message ~= "" then
    return ": " .. detail.message
  end
  return ""
end

if state == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to start the JobRun"
elseif state == "COMPLETED" or state == "SUCCESS" then
  hs.status = "Healthy"
  hs.message = state .. ": " .. counts()
elseif state == "PAUSED" then
  hs.status = "Suspended"
  hs.message = "PAUSED" .. why() .. " (" .. counts() .. ")"
elseif state == "FAILURE" or state == "TERMINATED" or state == "CANCELED" then
  hs.status = "Degraded"
  hs.message = state .. why() .. " (" .. counts() .. ")"
else
  hs.status = "Progressing"
  hs.message = state .. ": " .. counts()
end
return hs
