-- Each Ferry instance keeps resolved install links for up to a second
-- (lib/install-links/resolve-install-token.ts). Any change that can revoke a
-- link (a user disabled, signed out everywhere or deleted; a build or app
-- deleted; access withdrawn) notifies every instance, whichever process or
-- SQL client made it, so their caches are dropped at once.
CREATE FUNCTION ferry_install_links_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('ferry_install_links', '');
  RETURN NULL;
END
$$;

CREATE TRIGGER users_install_links AFTER UPDATE OR DELETE ON "users"
  FOR EACH STATEMENT EXECUTE FUNCTION ferry_install_links_changed();
CREATE TRIGGER builds_install_links AFTER UPDATE OR DELETE ON "builds"
  FOR EACH STATEMENT EXECUTE FUNCTION ferry_install_links_changed();
CREATE TRIGGER apps_install_links AFTER UPDATE OR DELETE ON "apps"
  FOR EACH STATEMENT EXECUTE FUNCTION ferry_install_links_changed();
CREATE TRIGGER app_groups_install_links AFTER UPDATE OR DELETE ON "app_groups"
  FOR EACH STATEMENT EXECUTE FUNCTION ferry_install_links_changed();
CREATE TRIGGER group_members_install_links AFTER UPDATE OR DELETE ON "group_members"
  FOR EACH STATEMENT EXECUTE FUNCTION ferry_install_links_changed();
