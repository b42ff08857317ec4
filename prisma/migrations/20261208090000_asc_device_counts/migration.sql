-- "Add my iPhone" (issue 17): the last-known number of devices registered in
-- the App Store Connect account per device kind (Apple's yearly limit is per
-- kind), from "Test connection" and from every provisioning job's listing.
-- Ferry shows it near the limit and refuses a request at it, before any job.
CREATE TABLE "asc_device_counts" (
    -- Ferry's kind: IPHONE, IPAD, IPOD, APPLE_WATCH, APPLE_TV, APPLE_VISION_PRO or MAC (Apple's Mac classes together).
    "kind" TEXT NOT NULL,
    "used" INTEGER NOT NULL,
    "counted_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "asc_device_counts_pkey" PRIMARY KEY ("kind")
);
