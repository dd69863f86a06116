// A job's checkpoint on the server, for the job page: its size and SHA-256, whether it is still
// stored (or when garbage collection deleted it), pinned, and a download link.
import type { Checkpoint } from "@/server/domain/checkpoint";
import { RelativeTime } from "../relative-time";
import { button } from "../experiment/ui";
import { formatBytes } from "./format";

const dt = "text-zinc-500 dark:text-zinc-400";

export function JobCheckpoint({ jobId, checkpoint }: { jobId: number; checkpoint: Checkpoint | null }) {
  if (checkpoint === null) {
    return (
      <p className="text-sm text-zinc-600 dark:text-zinc-400" data-testid="checkpoint">
        No checkpoint on the server: this job&apos;s worker uploaded none (it may keep its checkpoints itself, named in its results).
      </p>
    );
  }
  return (
    <div className="space-y-2 text-sm" data-testid="checkpoint">
      <dl className="grid grid-cols-[auto_1fr] gap-x-6 gap-y-1">
        <dt className={dt}>Size</dt>
        <dd className="tabular-nums">
          {formatBytes(checkpoint.size)} <span className="text-zinc-500">({checkpoint.size.toLocaleString("en")} bytes)</span>
        </dd>
        <dt className={dt}>SHA-256</dt>
        <dd className="font-mono text-xs break-all">{checkpoint.sha256}</dd>
        <dt className={dt}>Uploaded</dt>
        <dd>
          <RelativeTime iso={checkpoint.uploadedAt} />
        </dd>
        <dt className={dt}>Stored</dt>
        <dd>
          {checkpoint.deletedAt === null ? (
            checkpoint.pinned ? (
              "yes, pinned (garbage collection keeps it)"
            ) : (
              "yes"
            )
          ) : (
            <>
              no: deleted by garbage collection <RelativeTime iso={checkpoint.deletedAt} />, when no later job could load it
            </>
          )}
        </dd>
      </dl>
      {checkpoint.deletedAt === null && (
        <a className={button} href={`/api/v1/jobs/${jobId}/checkpoint`} download>
          Download checkpoint
        </a>
      )}
    </div>
  );
}
