-- Install links carry the browser session that minted them; signing that session
-- out (a row here) stops them, so every instance drops its cache of resolved links
-- at once, as for the other revocations (20261129200000_install_link_notify).
CREATE TRIGGER revoked_sessions_install_links AFTER INSERT ON "revoked_sessions"
  FOR EACH STATEMENT EXECUTE FUNCTION ferry_install_links_changed();
