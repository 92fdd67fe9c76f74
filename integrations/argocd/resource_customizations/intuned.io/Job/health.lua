-- Health of a jobctl Job (intuned.io/v1alpha1): Degraded while its spec or file is invalid (the
-- last valid version keeps running), Suspended while paused, Healthy once the operator holds
-- the current generation, Progressing until then.
local hs = {}
local status = obj.status or {}

local function condition(kind)
  for _, c in ipairs(status.conditions or {}) do
    if c.type == kind then
      return c
    end
  end
  return nil
end

local function is_true(kind)
  local c = condition(kind)
  return c ~= nil and c.status == "True"
end

local generation = obj.metadata.generation
if status.conditions == nil or (generation ~= nil and (status.observedGeneration or 0) < generation) then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to observe generation " .. tostring(generation or 1)
  return hs
end
if is_true("Stalled") or is_true("SpecError") then
  local c = condition("SpecError") or condition("Stalled")
  hs.status = "Degraded"
  hs.message = c.message
  return hs
end
if is_true("Suspended") or (obj.spec ~= nil and obj.spec.suspend == true) then
  hs.status = "Suspended"
  hs.message = "Suspended: no new JobRuns until resumed"
  return hs
end
if is_true("Ready") then
  hs.status = "Healthy"
  if status.lastJobRun ~= nil then
    hs.message = "Last JobRun " .. status.lastJobRun.name .. ": " .. status.lastJobRun.status
  else
    hs.message = "The Job is valid; no JobRun yet"
  end
  return hs
end
hs.status = "Progressing"
hs.message = "Waiting for the Job to become ready"
return hs
