-- CreateIndex
CREATE INDEX "Job_experimentId_member_id_idx" ON "Job"("experimentId", "member", "id");
