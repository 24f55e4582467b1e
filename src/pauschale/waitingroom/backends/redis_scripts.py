"""The waiting room as Lua scripts: each call is one atomic step in Redis.

The algorithm is the one described in ``base``. Keys of a program share the
hash tag ``{slug}`` and the prefix passed as KEYS[1], so that they live in one
cluster slot; the scripts derive the keys of the pre-queues from it.

Keys below the prefix:

- ``room`` (hash): counters, credit, rates, settings and measurements
- ``seen`` (zset ticket → last poll): tickets waiting or in a pre-queue
- ``pos`` (hash ticket → position), ``holder`` (hash position → ticket): for
  positions given at join; positions of a drawn pre-queue are its rank
- ``coh`` (hash ticket → opening), ``pre:<opening>`` (zset, all scores 0, so
  ordered by the random ticket ids), ``opens`` (zset of undrawn openings)
- ``gone`` (zset of lost positions not yet passed)
- ``adm`` (zset ticket → admitted at), ``pend`` (zset ticket → use by),
  ``claim`` (hash ticket → browser), ``lost`` (zset ticket → lost at)
- ``shown`` (hash ticket → "time eta"): the first wait shown, for the
  accuracy of the estimates
- ``rt`` (list of round trips), ``changes`` (list of rate changes, JSON)
"""

from .base import (
    ADVANCE_EVERY_SECONDS,
    EPSILON,
    KEEP_FINISHED_SECONDS,
    MAX_STEPS,
    MEASURE_SECONDS,
    MIN_MEASURED_SECONDS,
    SWEEP_BATCH,
)

PRELUDE = f"""
local P = KEYS[1]
local now = tonumber(ARGV[1])
local R = P .. 'room'
local TAU = {MEASURE_SECONDS}
local MIN_BUSY = {MIN_MEASURED_SECONDS}
local MAX_STEPS = {MAX_STEPS}
local SWEEP = {SWEEP_BATCH}
local KEEP = {KEEP_FINISHED_SECONDS}
local ADVANCE_EVERY = {ADVANCE_EVERY_SECONDS}
local EPS = {EPSILON}
local S = {{}}

-- A rate that is no finite number (set before rates were checked) is read as
-- 0: the room admits nobody until an operator sets a rate, and the credit
-- piled up by an infinite rate is void.
local function finite(x)
  if x == nil or x ~= x or x == math.huge or x == -math.huge then return 0 end
  return x
end

local function load()
  local v = redis.call('HMGET', R, 'seq', 'served', 'credit', 'tick', 'paused',
    'rate', 'burst_s', 'grace', 'token_s', 'm_adm', 'm_busy', 'next_open',
    'draws', 'poll_s', 'saved', 'm_lapse')
  S.seq = tonumber(v[1]) or 0
  S.served = tonumber(v[2]) or 0
  S.credit = finite(tonumber(v[3]))
  S.tick = tonumber(v[4]) or now
  S.paused = v[5] == '1'
  S.rate = finite(tonumber(v[6]))
  S.burst_s = tonumber(v[7]) or 1
  S.grace = tonumber(v[8]) or 120
  S.token_s = tonumber(v[9]) or 300
  S.m_adm = tonumber(v[10]) or 0
  S.m_busy = tonumber(v[11]) or 0
  S.next_open = tonumber(v[12])
  S.draws = {{}}
  if v[13] then
    for c, base, size in string.gmatch(v[13], '([^|;]+)|(%d+)|(%d+)') do
      S.draws[#S.draws + 1] = {{c, tonumber(base), tonumber(size)}}
    end
  end
  S.poll_s = tonumber(v[14]) or 5
  S.saved = finite(tonumber(v[15]))
  S.m_lapse = tonumber(v[16]) or 0
  S.admitted_now = 0
end

local function save()
  local draws = {{}}
  for _, d in ipairs(S.draws) do
    draws[#draws + 1] = d[1] .. '|' .. string.format('%d', d[2]) .. '|' ..
      string.format('%d', d[3])
  end
  redis.call('HSET', R, 'seq', string.format('%d', S.seq),
    'served', string.format('%d', S.served), 'credit', S.credit, 'tick', now,
    'm_adm', S.m_adm, 'm_busy', S.m_busy, 'saved', S.saved, 'm_lapse', S.m_lapse,
    'draws', table.concat(draws, ';'))
  if S.admitted_now > 0 then
    redis.call('HINCRBY', R, 'admitted', S.admitted_now)
  end
  if S.next_open then
    redis.call('HSET', R, 'next_open', S.next_open)
  else
    redis.call('HDEL', R, 'next_open')
  end
end

local function drawn_base(c)
  for _, d in ipairs(S.draws) do
    if d[1] == c then return d[2] end
  end
  return nil
end

local function holder(p)
  local t = redis.call('HGET', P .. 'holder', p)
  if t then return t end
  for _, d in ipairs(S.draws) do
    if p > d[2] and p <= d[2] + d[3] then
      local idx = p - d[2] - 1
      return redis.call('ZRANGE', P .. 'pre:' .. d[1], idx, idx)[1]
    end
  end
  return nil
end

local function position_of(t)
  local p = redis.call('HGET', P .. 'pos', t)
  if p then return tonumber(p) end
  local c = redis.call('HGET', P .. 'coh', t)
  if not c then return nil end
  local base = drawn_base(c)
  if not base then return nil end
  local rank = redis.call('ZRANK', P .. 'pre:' .. c, t)
  if not rank then return nil end
  return base + rank + 1
end

local function draw_due()
  if not S.next_open or now < S.next_open then return end
  local due = redis.call('ZRANGEBYSCORE', P .. 'opens', '-inf', now)
  for _, c in ipairs(due) do
    local size = redis.call('ZCARD', P .. 'pre:' .. c)
    S.draws[#S.draws + 1] = {{c, S.seq, size}}
    S.seq = S.seq + size
    redis.call('ZREM', P .. 'opens', c)
  end
  local nxt = redis.call('ZRANGE', P .. 'opens', 0, 0, 'WITHSCORES')
  S.next_open = tonumber(nxt[2])
end

local function mark_lost(t)
  redis.call('ZREM', P .. 'seen', t)
  redis.call('ZADD', P .. 'lost', now, t)
  redis.call('HDEL', P .. 'shown', t)
end

local function sweep()
  local stale = redis.call('ZRANGEBYSCORE', P .. 'seen', '-inf',
    '(' .. (now - S.grace), 'LIMIT', 0, SWEEP)
  for _, t in ipairs(stale) do
    local p = position_of(t)
    if p then
      if p > S.served then redis.call('ZADD', P .. 'gone', p, p) end
    else
      local c = redis.call('HGET', P .. 'coh', t)
      if c then redis.call('ZREM', P .. 'pre:' .. c, t) end
    end
    redis.call('HDEL', P .. 'pos', t)
    redis.call('HDEL', P .. 'coh', t)
    mark_lost(t)
  end
end

local function admit(t)
  redis.call('ZREM', P .. 'seen', t)
  redis.call('ZADD', P .. 'adm', now, t)
  redis.call('ZADD', P .. 'pend', now + S.token_s, t)
  redis.call('HDEL', P .. 'pos', t)
  local shown = redis.call('HGET', P .. 'shown', t)
  if shown then
    local at, eta = string.match(shown, '([^ ]+) ([^ ]+)')
    local err = math.abs((now - tonumber(at)) - tonumber(eta))
    redis.call('HINCRBYFLOAT', R, 'err_sum', err)
    redis.call('HINCRBY', R, 'err_n', 1)
    redis.call('HDEL', P .. 'shown', t)
  end
  S.admitted_now = S.admitted_now + 1
  S.credit = S.credit - 1
end

local function forget_finished()
  local old = redis.call('ZRANGEBYSCORE', P .. 'adm', '-inf',
    now - S.token_s - KEEP, 'LIMIT', 0, 100)
  for _, t in ipairs(old) do
    redis.call('ZREM', P .. 'adm', t)
    redis.call('HDEL', P .. 'claim', t)
  end
  redis.call('ZREMRANGEBYSCORE', P .. 'lost', '-inf', now - KEEP)
end

local function live()
  return S.seq - S.served - redis.call('ZCARD', P .. 'gone')
end

local function advance()
  local admitted_before = S.admitted_now
  local dt = now - S.tick
  if dt < 0 then dt = 0 end
  local was_busy = live() > 0 and not S.paused
  draw_due()
  local lapsed = redis.call('ZRANGEBYSCORE', P .. 'pend', '-inf', now,
    'LIMIT', 0, 1000)
  if #lapsed > 0 then redis.call('ZREM', P .. 'pend', unpack(lapsed)) end
  sweep()

  if not S.paused then
    -- While people wait, every admission the rate allows is owed to them;
    -- only an idle room saves up no more than the burst.
    local burst = math.max(1, S.rate * S.burst_s)
    S.credit = S.credit + S.rate * dt + #lapsed
    if not was_busy then
      S.credit = math.min(burst, S.credit)
      S.saved = S.credit
    end
    local steps = 0
    while S.credit >= 1 - EPS and S.served < S.seq and steps < MAX_STEPS do
      steps = steps + 1
      local p = S.served + 1
      S.served = p
      if redis.call('ZREM', P .. 'gone', p) == 0 then
        local t = holder(p)
        if t then
          local last = tonumber(redis.call('ZSCORE', P .. 'seen', t))
          if last and last >= now - S.grace then
            admit(t)
          elseif last then
            mark_lost(t)
          end
        end
      end
      redis.call('HDEL', P .. 'holder', p)
    end
    S.credit = math.min(burst, S.credit)
  end
  -- Waiting time measured: all of dt if people still wait, else only the time
  -- the admissions of this step took at the current rate.
  -- Admissions paid from credit saved up while the room was idle are not the
  -- rate: they do not count as measured.
  local n = S.admitted_now - admitted_before
  local from_saved = math.min(n, S.saved)
  S.saved = math.min(S.saved - from_saved, S.credit)
  local busy_dt = 0
  if was_busy then
    n = n - from_saved
    busy_dt = dt
    if live() <= 0 and S.rate > 0 then busy_dt = math.min(dt, n / S.rate) end
  else
    n = 0
  end
  local decay = math.exp(-dt / TAU)
  S.m_adm = S.m_adm * decay + n
  S.m_lapse = S.m_lapse * decay + (was_busy and #lapsed or 0)
  S.m_busy = S.m_busy * decay + busy_dt * (1 - decay) * TAU / math.max(dt, 1e-9)
  S.tick = now
  forget_finished()
end

local function status(t, verbose)
  local out = {{state = 'unknown', poll_seconds = S.poll_s, paused = S.paused,
    rate_per_s = S.rate, grace_seconds = S.grace}}
  if verbose then
    local titles = redis.call('HMGET', R, 'title_de', 'title_en')
    out.title_de = titles[1]
    out.title_en = titles[2]
  end
  local adm = tonumber(redis.call('ZSCORE', P .. 'adm', t))
  if adm then
    if now < adm + S.token_s then
      out.state = 'admitted'
      out.admitted_at = adm
      out.use_by = adm + S.token_s
    else
      out.state = 'lapsed'
    end
    return out
  end
  if redis.call('ZSCORE', P .. 'lost', t) then
    out.state = 'lost'
    return out
  end
  if not redis.call('ZSCORE', P .. 'seen', t) then return out end

  local p = position_of(t)
  if not p then
    local c = redis.call('HGET', P .. 'coh', t)
    out.state = 'prequeue'
    out.opens_at = tonumber(c)
    out.waiting = redis.call('ZCARD', P .. 'pre:' .. c)
    return out
  end
  local ahead = p - S.served - 1
  if ahead > 0 then
    ahead = ahead - redis.call('ZCOUNT', P .. 'gone', S.served + 1, p - 1)
  end
  out.state = 'waiting'
  out.position = p
  out.ahead = ahead
  -- Measured, but never above the setting plus the measured capacity that
  -- unused admissions gave back (the setting may just have been lowered).
  local rate, basis = S.rate, 'configured'
  if S.m_busy >= MIN_BUSY and S.m_adm > 0 then
    rate = math.min(S.m_adm, S.rate * S.m_busy + S.m_lapse) / S.m_busy
    basis = 'measured'
  end
  out.eta_basis = basis
  out.rate_per_s = rate
  if not S.paused and rate > 0 then
    local eta = math.max(0, ahead + 1 - S.credit) / rate
    out.eta_seconds = eta
    redis.call('HSETNX', P .. 'shown', t, now .. ' ' .. eta)
  end
  return out
end
"""

CONFIGURE = """
local function configure(rate0, burst_s, grace, token_s, poll_s, title_de, title_en)
  redis.call('HSET', R, 'burst_s', burst_s, 'grace', grace, 'token_s', token_s,
    'poll_s', poll_s, 'title_de', title_de, 'title_en', title_en)
  if redis.call('HSETNX', R, 'rate', rate0) == 1 then
    redis.call('HSET', R, 'target', rate0, 'tick', now,
      'credit', math.max(1, tonumber(rate0) * tonumber(burst_s)))
  end
end
"""

# ARGV: now, rate, burst_s, grace, token_s, poll_s, title_de, title_en
CONFIGURE_SCRIPT = (
    PRELUDE
    + CONFIGURE
    + """
configure(ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8])
return 1
"""
)

# ARGV: now, ticket, open_at, rate, burst_s, grace, token_s, poll_s, title_de,
# title_en
JOIN_SCRIPT = (
    PRELUDE
    + CONFIGURE
    + """
configure(ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9], ARGV[10])
load()
advance()
local t = ARGV[2]
local c = ARGV[3]
local open_at = tonumber(c)
local assigned = nil
if open_at > now and not drawn_base(c) then
  redis.call('ZADD', P .. 'pre:' .. c, 0, t)
  redis.call('HSET', P .. 'coh', t, c)
  redis.call('ZADD', P .. 'opens', open_at, c)
  if not S.next_open or open_at < S.next_open then S.next_open = open_at end
else
  S.seq = S.seq + 1
  assigned = S.seq
  local p = string.format('%d', S.seq)
  redis.call('HSET', P .. 'pos', t, p)
  redis.call('HSET', P .. 'holder', p, t)
end
redis.call('ZADD', P .. 'seen', now, t)
redis.call('HINCRBY', R, 'tickets', 1)
advance()
save()
local out = status(t, true)
out.position = out.position or assigned
return cjson.encode(out)
"""
)

# ARGV: now, ticket, verbose ("1" or "")
POLL_SCRIPT = (
    PRELUDE
    + """
if redis.call('EXISTS', R) == 0 then return '{"state":"unknown"}' end
load()
if now - S.tick >= ADVANCE_EVERY then
  advance()
  save()
end
redis.call('ZADD', P .. 'seen', 'XX', now, ARGV[2])
return cjson.encode(status(ARGV[2], ARGV[3] == '1'))
"""
)

# ARGV: now, ticket, browser
CLAIM_SCRIPT = (
    PRELUDE
    + """
load()
local t = ARGV[2]
local adm = tonumber(redis.call('ZSCORE', P .. 'adm', t))
if not adm or now >= adm + S.token_s then return false end
local owner = redis.call('HGET', P .. 'claim', t)
if owner and owner ~= ARGV[3] then return false end
redis.call('HSET', P .. 'claim', t, ARGV[3])
return tostring(adm)
"""
)

# ARGV: now
SNAPSHOT_SCRIPT = (
    PRELUDE
    + """
if redis.call('EXISTS', R) == 0 then return false end
load()
advance()
save()
local v = redis.call('HMGET', R, 'target', 'tickets', 'admitted', 'err_sum',
  'err_n', 'reason', 'reason_at', 'actor')
local prequeue = 0
for _, c in ipairs(redis.call('ZRANGE', P .. 'opens', 0, -1)) do
  prequeue = prequeue + redis.call('ZCARD', P .. 'pre:' .. c)
end
local out = {
  rate = S.rate, target = finite(tonumber(v[1])), paused = S.paused,
  tickets = tonumber(v[2]) or 0, admitted = tonumber(v[3]) or 0,
  max_position = S.seq, served = S.served,
  waiting = S.seq - S.served - redis.call('ZCARD', P .. 'gone'),
  prequeue = prequeue, pending = redis.call('ZCARD', P .. 'pend'),
  credit = S.credit, m_adm = S.m_adm, m_busy = S.m_busy, m_lapse = S.m_lapse,
  eta_error_sum = tonumber(v[4]) or 0, eta_error_n = tonumber(v[5]) or 0,
  reason = v[6] or '', reason_at = tonumber(v[7]), actor = v[8] or '',
  next_open = S.next_open
}
return cjson.encode(out)
"""
)

# ARGV: now, rate, target ("" keeps it), expected ("" for none), reason, actor,
# change (JSON of the change, for the history)
SET_RATE_SCRIPT = (
    PRELUDE
    + """
load()
if ARGV[4] ~= '' and math.abs(S.rate - tonumber(ARGV[4])) > 1e-9 then
  return 0
end
advance()
save()
redis.call('HSET', R, 'rate', ARGV[2], 'reason', ARGV[5], 'reason_at', now,
  'actor', ARGV[6])
if ARGV[3] ~= '' then redis.call('HSET', R, 'target', ARGV[3]) end
redis.call('LPUSH', P .. 'changes', ARGV[7])
redis.call('LTRIM', P .. 'changes', 0, 99)
return 1
"""
)

# ARGV: now, paused ("1" or "0"), reason, actor, change (JSON)
SET_PAUSED_SCRIPT = (
    PRELUDE
    + """
load()
advance()
save()
redis.call('HSET', R, 'paused', ARGV[2], 'reason', ARGV[3], 'reason_at', now,
  'actor', ARGV[4])
redis.call('LPUSH', P .. 'changes', ARGV[5])
redis.call('LTRIM', P .. 'changes', 0, 99)
return 1
"""
)
