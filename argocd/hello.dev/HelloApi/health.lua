-- Argo CD health check for hello.dev/HelloApi (argocd-cm key
-- resource.customizations.health.hello.dev_HelloApi; see README, "Argo CD").
-- Lua 5.1 (gopher-lua). `obj` is the HelloApi; the chunk returns {status, message}.
-- Scripts from argocd-cm run with Lua's base, table and os libraries only
-- (no string library unless useOpenLibs), so this uses neither string.* nor
-- ("..."):method().
--
--   deletionTimestamp set                       Progressing "Deleting"
--   no status, or observedGeneration < generation
--                                               Progressing "Waiting for the operator to observe generation N"
--   Stalled=True                                Degraded, Stalled's message
--   Degraded=True                               Degraded, Degraded's message
--   Ready=True                                  Healthy, Ready's message
--   otherwise                                   Progressing, Reconciling's message (when True) or Ready's
--
-- A condition whose own observedGeneration is older than metadata.generation
-- describes an earlier spec and is ignored.

local hs = {}

local metadata = obj.metadata or {}
local generation = metadata.generation
local status = obj.status

if metadata.deletionTimestamp ~= nil then
  hs.status = "Progressing"
  hs.message = "Deleting"
  return hs
end

if status == nil or status.observedGeneration == nil
    or (generation ~= nil and status.observedGeneration < generation) then
  hs.status = "Progressing"
  if generation ~= nil then
    hs.message = "Waiting for the operator to observe generation " .. generation
  else
    hs.message = "Waiting for the operator to observe the HelloApi"
  end
  return hs
end

-- The condition of that type, unless it is missing or stale.
local function condition(type)
  if status.conditions == nil then
    return nil
  end
  for _, c in ipairs(status.conditions) do
    if c.type == type then
      if generation ~= nil and c.observedGeneration ~= nil and c.observedGeneration < generation then
        return nil
      end
      return c
    end
  end
  return nil
end

local function isTrue(c)
  return c ~= nil and c.status == "True"
end

-- The condition's message, else its reason, else the fallback.
local function text(c, fallback)
  if c ~= nil and c.message ~= nil and c.message ~= "" then
    return c.message
  end
  if c ~= nil and c.reason ~= nil and c.reason ~= "" then
    return c.reason
  end
  return fallback
end

-- The first of these conditions that is True decides, in this order: a
-- stalled or degraded resource is not healthy even while Ready is True.
for _, rule in ipairs({{"Stalled", "Degraded"}, {"Degraded", "Degraded"}, {"Ready", "Healthy"}}) do
  local c = condition(rule[1])
  if isTrue(c) then
    hs.status = rule[2]
    hs.message = text(c, rule[1])
    return hs
  end
end

local reconciling = condition("Reconciling")
hs.status = "Progressing"
if isTrue(reconciling) then
  hs.message = text(reconciling, "Reconciling")
else
  hs.message = text(condition("Ready"), "Waiting for the Ready condition")
end
return hs
