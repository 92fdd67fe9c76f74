-- Health of a jobctl AuthSession (intuned.io/v1alpha1): Degraded while its spec cannot be used
-- (a missing Secret, say), Healthy once the operator holds the current generation.
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

local generation = obj.metadata.generation
local invalid = condition("SpecError")
local ready = condition("Ready")
if status.conditions == nil or (generation ~= nil and (status.observedGeneration or 0) < generation) then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to observe generation " .. tostring(generation or 1)
elseif invalid ~= nil and invalid.status == "True" then
  hs.status = "Degraded"
  hs.message = invalid.message
elseif ready ~= nil and ready.status == "True" then
  hs.status = "Healthy"
  hs.message = ready.message
else
  hs.status = "Progressing"
  hs.message = "Waiting for the AuthSession to become ready"
end
return hs
