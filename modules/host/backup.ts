import type { GatewaySettings } from "../settings/settings";
import type { HostContract } from "./contract";
import { openclawCommand } from "./layout";
import { shellAssign, shellWords } from "./shell";

/**
 * When the data volume's daily snapshot is taken (UTC): the DLM rule's `times` (modules/constructs/storage.ts).
 * The backup timer runs before it, so each snapshot carries a fresh consistent archive.
 */
export const DAILY_SNAPSHOT_TIME_UTC = "03:00";

/**
 * When `openclaw-backup.timer` starts the backup, and how long one run may take. Daily at 02:30 UTC
 * plus a random delay of at most 5 minutes (plus systemd's default AccuracySec= of 1 minute), bounded
 * by TimeoutStartSec= so even a hung run has ended by DAILY_SNAPSHOT_TIME_UTC: 02:36 + 20 min = 02:56.
 * No catch-up run at boot (Persistent=false, no OnBootSec=): a host that was down at 02:30 starts its
 * gateway (and, when replaced, installs and verifies the runtimes) without a backup competing for the
 * CPU and the disk; the next night's run comes soon enough, and the snapshots keep the older archives.
 */
export const BACKUP_SCHEDULE = {
  /** systemd.time(7) calendar event, in UTC whatever the host's time zone. */
  onCalendar: "*-*-* 02:30:00 UTC",
  /** RandomizedDelaySec=, seconds. */
  randomizedDelaySeconds: 300,
  /** AccuracySec= (systemd's default, 1 min), seconds. */
  accuracySeconds: 60,
  /** TimeoutStartSec= of one run, seconds. */
  timeoutSeconds: 1200,
} as const;

/**
 * The archives `openclaw backup create` writes into a directory: `<ISO time>-openclaw-backup.tar.gz`
 * (openclaw 2026.9.6, e.g. `2026-12-01T02-30-12.230+00-00-openclaw-backup.tar.gz`). The tool prunes
 * only files with this ending, never anything else an operator put there.
 */
export const BACKUP_ARCHIVE_GLOB = "*-openclaw-backup.tar.gz";

/**
 * `openclaw-backup`, run by `openclaw-backup.service` as the gateway's user with the gateway's
 * environment: one `openclaw backup create --output <backupsDir> --verify --json` with the pinned
 * Node and openclaw, then it deletes all but the newest `backups.keep` archives (by modification
 * time). openclaw makes the archive consistent while the gateway runs: it copies its SQLite databases
 * with SQLite's online backup API and verifies the archive's manifest and payload (openclaw 2026.9.6
 * docs/install/backups.md "Full archives" and docs/cli/backup.md, in the pinned package; read
 * 2026-12-01); a raw copy of a live database and its WAL could be torn, so nothing here copies one.
 * It needs no secret: openclaw.json holds SecretRefs only, and the unit loads no credential.
 * One log line per run: the archive's name and size (and one per pruned archive).
 */
export function backupTool(s: Pick<GatewaySettings, "backups">, c: HostContract): string {
  return `#!/bin/bash
# openclaw-backup: one consistent openclaw backup archive in BACKUPS_DIR (on the data volume, so the
# daily snapshot carries it), made and verified by openclaw itself; then only the newest KEEP stay.
# Run by ${c.backupServiceUnit} as ${c.serviceUser}. Restore: openclaw-admin backup restore <archive> --target <empty dir>.
set -euo pipefail
umask 077
${shellAssign("BACKUPS_DIR", c.backupsDir)}
${shellAssign("KEEP", s.backups.keep)}
say() { echo "openclaw-backup: $*" >&2; }
if [ ! -d "$BACKUPS_DIR" ]; then
  say "FAILED: $BACKUPS_DIR is missing (the boot creates it)"
  exit 1
fi
result=$(${shellWords(openclawCommand(c, ["backup", "create"]))} --output "$BACKUPS_DIR" --verify --json)
archive=$(jq -er '.archivePath' <<<"$result")
if [ "$(jq -r '.verified' <<<"$result")" != true ] || [ ! -f "$archive" ]; then
  say "FAILED: openclaw did not report a verified archive"
  exit 1
fi
say "created $(basename "$archive") ($(stat -c %s "$archive") bytes, verified)"
# Newest first by modification time; every archive after the first KEEP goes.
mapfile -t archives < <(find "$BACKUPS_DIR" -maxdepth 1 -type f -name '${BACKUP_ARCHIVE_GLOB}' -printf '%T@ %f\\n' | sort -rn | cut -d ' ' -f 2-)
for old in "\${archives[@]:KEEP}"; do
  rm -f -- "\${BACKUPS_DIR:?}/$old"
  say "pruned $old (keeping the newest $KEEP)"
done
`;
}
