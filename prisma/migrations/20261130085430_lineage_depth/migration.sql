-- DropIndex
DROP INDEX "Job_experimentId_member_generation_attempt_key";

-- AlterTable
ALTER TABLE "Job" ADD COLUMN     "diverged" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "exploitReason" TEXT;

-- CreateIndex
CREATE INDEX "Job_experimentId_generation_idx" ON "Job"("experimentId", "generation");

-- Data: a job's generation becomes the depth of its lineage (its parent's generation + 1, or after an
-- exploit, the donor's + 1). Jobs of earlier versions counted their member's own jobs instead, so an
-- exploit edge could point backwards. Events keep the numbers they were written with.
WITH RECURSIVE depth AS (
  SELECT id, 0 AS generation FROM "Job" WHERE "parentId" IS NULL
  UNION ALL
  SELECT child.id, depth.generation + 1 FROM "Job" child JOIN depth ON child."parentId" = depth.id
)
UPDATE "Job" SET generation = depth.generation FROM depth WHERE depth.id = "Job".id AND "Job".generation <> depth.generation;

-- Earlier exploits had one reason: the experiment's exploit strategy.
UPDATE "Job" SET "exploitReason" = CASE e.config->'exploit'->>'kind' WHEN 'tournament' THEN 'tournament' ELSE 'truncate' END
FROM "Experiment" e WHERE e.id = "Job"."experimentId" AND "Job".origin = 'exploit';
