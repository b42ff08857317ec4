-- Channels restrict which builds a user may install (lib/access/app-access.ts):
-- withdrawing that access (a channel restricted, a group taken from it, a build
-- taken out of a channel) empties every instance's install-link cache too.
CREATE TRIGGER channels_install_links AFTER UPDATE OR DELETE ON "channels"
  FOR EACH STATEMENT EXECUTE FUNCTION ferry_install_links_changed();
CREATE TRIGGER channel_groups_install_links AFTER UPDATE OR DELETE ON "channel_groups"
  FOR EACH STATEMENT EXECUTE FUNCTION ferry_install_links_changed();
CREATE TRIGGER build_channels_install_links AFTER UPDATE OR DELETE ON "build_channels"
  FOR EACH STATEMENT EXECUTE FUNCTION ferry_install_links_changed();
