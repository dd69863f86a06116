-- AlterTable
ALTER TABLE "Experiment" ADD COLUMN     "checkpointBytesFreed" BIGINT NOT NULL DEFAULT 0,
ADD COLUMN     "checkpointBytesStored" BIGINT NOT NULL DEFAULT 0,
ADD COLUMN     "checkpointsDeleted" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "checkpointsStored" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "Job" ADD COLUMN     "checkpointDeletedAt" TIMESTAMP(3),
ADD COLUMN     "checkpointKey" TEXT,
ADD COLUMN     "checkpointPinned" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "checkpointSha256" TEXT,
ADD COLUMN     "checkpointSize" BIGINT,
ADD COLUMN     "checkpointUploadedAt" TIMESTAMP(3);

-- CreateIndex
CREATE INDEX "Job_experimentId_checkpointKey_idx" ON "Job"("experimentId", "checkpointKey");
