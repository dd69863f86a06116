-- DropIndex
DROP INDEX "Job_experimentId_status_id_idx";

-- AlterTable
ALTER TABLE "Experiment" ADD COLUMN     "jobsCreated" INTEGER NOT NULL DEFAULT 0;

-- Data: the job budget's count so far (first attempts that were not pruned), as loadPopulation
-- counted it before.
UPDATE "Experiment" e SET "jobsCreated" = c.count
FROM (SELECT "experimentId", count(*)::int AS count FROM "Job" WHERE attempt = 0 AND status <> 'pruned' GROUP BY "experimentId") c
WHERE c."experimentId" = e.id;
