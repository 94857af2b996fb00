import { isConfigObject } from "./merge";

/**
 * The chat channels whose credentials the deployment keeps in its secrets catalogue
 * (modules/secrets-catalogue.ts): their tokens are SSM SecureString parameters, referenced from
 * openclaw.json, and exist only while the `openclaw` setting enables the channel. Each channel's
 * config (`channels.<id>` in openclaw.json: policies, allowlists, groups) comes from the overlay.
 * openclaw 2026.9.6: docs/channels/telegram.md, slack.md, discord.md; the token paths are SecretRef
 * credential surfaces (docs/reference/secretref-credential-surface.md).
 */
export const CHANNELS = ["telegram", "slack", "discord"] as const;
export type Channel = (typeof CHANNELS)[number];

/**
 * The channels whose plugin is not bundled with openclaw 2026.9.6, by their npm package (Telegram's is bundled).
 * openclaw installs a configured one itself, from npm, at its own version, at the next CLI or gateway start
 * ("Installed missing configured plugin"): only that install is trusted (`trusted-official`; a local path or an
 * archive is refused by the plugin's channel runtime). The host has it done before the config is written and
 * checks the tarball against its pin (modules/host/pins.ts channelPlugins, modules/host/config-apply.ts).
 */
export const CHANNEL_PLUGIN_PACKAGES: Readonly<Partial<Record<Channel, string>>> = {
  slack: "@openclaw/slack",
  discord: "@openclaw/discord",
};

/**
 * The catalogue channels an `openclaw` overlay enables: `channels.<id>` is an object whose `enabled`
 * is not `false` (openclaw starts a configured channel unless it says `enabled: false`).
 */
export function enabledChannels(overlay: unknown): Channel[] {
  const channels = isConfigObject(overlay) && isConfigObject(overlay.channels) ? overlay.channels : {};
  return CHANNELS.filter((id) => {
    const config = channels[id];
    return isConfigObject(config) && config.enabled !== false;
  });
}
