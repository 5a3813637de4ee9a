-- wrk script: send the request method and body given in the environment
-- (the signed headers come with -H).
wrk.method = os.getenv("WRK_METHOD") or "GET"
local body = os.getenv("WRK_BODY")
if body and body ~= "" then wrk.body = body end
