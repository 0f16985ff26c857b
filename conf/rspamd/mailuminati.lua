--[[
Mailuminati Guardian plugin for Rspamd (3.4 and later).

Posts each message to the Guardian daemon's /analyze endpoint and turns its
verdict into MAILUMINATI_SPAM or MAILUMINATI_SUSPICIOUS.  Loaded with
dofile() from $LOCAL_CONFDIR/rspamd.local.lua; options are described in
mailuminati.conf.  When the daemon cannot be reached or answers badly, the
message gets no symbol (fail open) and the reason is logged.
]]

local rspamd_http = require "rspamd_http"
local rspamd_logger = require "rspamd_logger"
local rspamd_util = require "rspamd_util"
local lua_util = require "lua_util"
local ucl = require "ucl"

local N = 'mailuminati'

local settings = {
  endpoint = 'http://127.0.0.1:12421/analyze',
  -- Accepted for compatibility with older configurations; reports are
  -- sent by the mail store (Dovecot), not by Rspamd.
  report_endpoint = 'http://127.0.0.1:12421/report',
  timeout = 5.0,
  spam_score = 10.0,
  suspicious_score = 4.0,
  token = '',
}

local function merge_opts(opts, from)
  if type(opts) ~= 'table' then
    return
  end
  for k, v in pairs(opts) do
    if settings[k] == nil then
      rspamd_logger.warnx(rspamd_config, '%s: unknown option "%s" (from %s)',
          N, k, from)
    else
      -- UCL turns a key given twice into an array: the last one wins.
      if type(v) == 'table' and #v > 0 then
        rspamd_logger.warnx(rspamd_config, '%s: option "%s" set %s times ' ..
            'in %s, using the last one', N, k, #v, from)
        v = v[#v]
      end
      settings[k] = v
    end
  end
end

local function read_conf_file(path)
  if not rspamd_util.file_exists(path) then
    return
  end
  local parser = ucl.parser()
  local ok, err = parser:parse_file(path)
  if not ok then
    rspamd_logger.errx(rspamd_config, '%s: cannot parse %s: %s; ignored',
        N, path, err)
    return
  end
  local obj = parser:get_object()
  -- A file written with a "mailuminati { }" wrapper is accepted too.
  if type(obj) == 'table' and type(obj[N]) == 'table' then
    obj = obj[N]
  end
  merge_opts(obj, path)
end

-- Rspamd includes local.d/<module>.conf only from the modules.d/<module>.conf
-- of its own modules, so for a plugin loaded by dofile() nothing reads
-- local.d/mailuminati.conf: read it here.  Precedence, lowest first:
-- defaults, local.d, a "mailuminati { }" section of the main configuration
-- (rspamd.conf.local), override.d.
local function load_settings()
  local confdir = rspamd_paths and rspamd_paths['LOCAL_CONFDIR']
  if confdir then
    read_conf_file(confdir .. '/local.d/mailuminati.conf')
  end
  merge_opts(rspamd_config:get_all_opt(N), 'the mailuminati section')
  if confdir then
    read_conf_file(confdir .. '/override.d/mailuminati.conf')
  end

  local defaults = {timeout = 5.0, spam_score = 10.0, suspicious_score = 4.0}
  for k, def in pairs(defaults) do
    local v = tonumber(settings[k])
    if not v or (k == 'timeout' and v <= 0) then
      rspamd_logger.errx(rspamd_config, '%s: invalid %s "%s", using %s',
          N, k, settings[k], def)
      v = def
    end
    settings[k] = v
  end
  if type(settings.endpoint) ~= 'string' or
      not settings.endpoint:match('^https?://') then
    rspamd_logger.errx(rspamd_config, '%s: invalid endpoint "%s", using %s',
        N, settings.endpoint, 'http://127.0.0.1:12421/analyze')
    settings.endpoint = 'http://127.0.0.1:12421/analyze'
  end
  if type(settings.token) ~= 'string' then
    settings.token = tostring(settings.token)
  end
end

-- Symbol options: what an operator needs to find the decision in the
-- daemon's log (its request_id) and why it was taken.
local function verdict_options(res, first)
  local opts = {}
  if first then
    opts[#opts + 1] = first
  end
  local m = res.match
  if type(m) == 'table' and m.source then
    opts[#opts + 1] = 'source=' .. tostring(m.source)
    if m.distance then
      opts[#opts + 1] = 'distance=' .. tostring(m.distance)
    end
  elseif res.distance then
    opts[#opts + 1] = 'distance=' .. tostring(res.distance)
  end
  if res.request_id then
    opts[#opts + 1] = 'request_id=' .. tostring(res.request_id)
  end
  return opts
end

-- A short, printable excerpt of an error answer for the log.
local function excerpt(body)
  if not body then
    return 'no body'
  end
  local text = tostring(body):sub(1, 200):gsub('[%c]', ' ')
  return text
end

local function process_answer(task, code, body, headers)
  local rid = headers and headers['x-request-id']
  local rid_note = rid and (', request_id ' .. rid) or ''
  if code ~= 200 then
    local hint = ''
    if code == 401 then
      hint = ' (the token option does not match the daemon\'s API_TOKEN)'
    end
    rspamd_logger.errx(task, '%s: %s answered HTTP %s%s: %s%s; no verdict',
        N, settings.endpoint, code, hint, excerpt(body), rid_note)
    return
  end

  local parser = ucl.parser()
  local ok, err = false, 'empty body'
  if type(body) == 'string' then
    ok, err = parser:parse_string(body)
  elseif body then
    ok, err = parser:parse_text(body)
  end
  local res = ok and parser:get_object()
  if type(res) ~= 'table' then
    rspamd_logger.errx(task, '%s: invalid JSON from %s (%s)%s; no verdict',
        N, settings.endpoint, err or 'not an object', rid_note)
    return
  end

  -- Kept for other rules, as the original plugin does.
  if type(res.hashes) == 'table' and #res.hashes > 0 and task.cache_set then
    task:cache_set('mailuminati_hashes', res.hashes)
  end

  local action = res.action
  if action == 'spam' or action == 'reject' then
    local label = res.label
    if type(label) ~= 'string' or label == '' then
      label = 'match'
    end
    task:insert_result('MAILUMINATI_SPAM', 1.0,
        verdict_options(res, label))
  elseif res.proximity_match == true then
    task:insert_result('MAILUMINATI_SUSPICIOUS', 1.0,
        verdict_options(res, 'proximity'))
  end
  lua_util.debugm(N, task, 'verdict %s, proximity %s, request_id %s',
      action, res.proximity_match, res.request_id)
end

local function mailuminati_check(task)
  local headers = {['User-Agent'] = 'Rspamd-Mailuminati-Lua'}
  if settings.token ~= '' then
    headers['Authorization'] = 'Bearer ' .. settings.token
  end

  local function http_cb(err, code, body, resp_headers)
    if err then
      rspamd_logger.errx(task, '%s: request to %s failed: %s; no verdict',
          N, settings.endpoint, err)
      return
    end
    process_answer(task, code, body, resp_headers)
  end

  local ok = rspamd_http.request({
    task = task,
    url = settings.endpoint,
    method = 'post',
    body = task:get_content(),
    mime_type = 'text/plain',
    headers = headers,
    timeout = settings.timeout,
    callback = http_cb,
  })
  if not ok then
    rspamd_logger.errx(task, '%s: cannot send a request to %s; no verdict',
        N, settings.endpoint)
  end
end

load_settings()

local check_id = rspamd_config:register_symbol({
  name = 'MAILUMINATI_CHECK',
  type = 'prefilter',
  priority = 10,
  callback = mailuminati_check,
  flags = 'nostat',
  augmentations = {string.format('timeout=%f', settings.timeout)},
})

rspamd_config:register_symbol({
  name = 'MAILUMINATI_SPAM',
  type = 'virtual',
  parent = check_id,
  score = settings.spam_score,
  group = 'mailuminati',
  description = 'Structural DNA match (Mailuminati)',
})

rspamd_config:register_symbol({
  name = 'MAILUMINATI_SUSPICIOUS',
  type = 'virtual',
  parent = check_id,
  score = settings.suspicious_score,
  group = 'mailuminati',
  description = 'Strong structural proximity (Mailuminati)',
})

rspamd_logger.infox(rspamd_config, '%s: loaded, endpoint %s, timeout %s s, ' ..
    'token %s', N, settings.endpoint, settings.timeout,
    settings.token ~= '' and 'set' or 'not set')
