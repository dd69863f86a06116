-- AlterTable
ALTER TABLE "Experiment" ADD COLUMN     "archivedAt" TIMESTAMP(3);
