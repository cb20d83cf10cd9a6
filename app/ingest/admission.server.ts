import { IngestError } from "./errors.server";

// Load shedding for the collect endpoint. A batch is admitted only while
// its client IP and its shop have tokens left and fewer than a fixed number
// of batches are being written. A rejected batch stored nothing, and the
// storefront script retries it with the same batch id after Retry-After.

export interface AdmissionLimits {
  /** Batches held while their group is written; the rest get 503 rather than wait. */
  maxInFlight: number;
  /** Sustained batches per second per shop, and the burst above it. */
  shopRate: number;
  shopBurst: number;
  /** Sustained requests per second per client IP, and the burst above it. */
  ipRate: number;
  ipBurst: number;
}

/**
 * Token bucket: `burst` tokens, refilled at `rate` per second. Returns the
 * seconds until a token is available, 0 when one was taken.
 */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    private readonly rate: number,
    private readonly burst: number,
    nowMs: number,
  ) {
    this.tokens = burst;
    this.updatedAt = nowMs;
  }

  take(nowMs: number): number {
    const elapsed = Math.max(0, nowMs - this.updatedAt) / 1000;
    this.tokens = Math.min(this.burst, this.tokens + elapsed * this.rate);
    this.updatedAt = nowMs;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return (1 - this.tokens) / this.rate;
  }

  /** True when the bucket is full again, so forgetting it changes nothing. */
  isFull(nowMs: number): boolean {
    const elapsed = Math.max(0, nowMs - this.updatedAt) / 1000;
    return this.tokens + elapsed * this.rate >= this.burst;
  }
}

/**
 * Token buckets by key. Beyond `maxKeys` the oldest buckets that are full
 * again are dropped; when none is full the oldest is dropped anyway, so a
 * flood of spoofed keys costs bounded memory at the price of forgetting.
 */
export class KeyedRateLimiter {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    private readonly rate: number,
    private readonly burst: number,
    private readonly maxKeys = 100_000,
  ) {}

  take(key: string, nowMs: number): number {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      this.evict(nowMs);
      bucket = new TokenBucket(this.rate, this.burst, nowMs);
      this.buckets.set(key, bucket);
    }
    return bucket.take(nowMs);
  }

  get size(): number {
    return this.buckets.size;
  }

  private evict(nowMs: number) {
    if (this.buckets.size < this.maxKeys) return;
    for (const [key, bucket] of this.buckets) {
      if (bucket.isFull(nowMs)) this.buckets.delete(key);
      if (this.buckets.size < this.maxKeys * 0.9) return;
    }
    const oldest = this.buckets.keys().next();
    if (!oldest.done) this.buckets.delete(oldest.value);
  }
}

function rateLimited(subject: string, waitSeconds: number): IngestError {
  const retryAfter = Math.max(1, Math.ceil(waitSeconds));
  return new IngestError(
    429,
    "rate_limited",
    `Too many batches from this ${subject}: retry the same batch after ${retryAfter} s`,
    undefined,
    { "Retry-After": String(retryAfter) },
  );
}

/**
 * Admission control of one server process.
 * NOTE: buckets live in process memory, so with N server processes a shop
 * or address may send up to N times the configured rate.
 */
export class Admission {
  private inFlight = 0;
  private readonly byIp: KeyedRateLimiter;
  private readonly byShop: KeyedRateLimiter;

  constructor(
    readonly limits: AdmissionLimits,
    private readonly clock: () => number = Date.now,
  ) {
    this.byIp = new KeyedRateLimiter(limits.ipRate, limits.ipBurst);
    this.byShop = new KeyedRateLimiter(limits.shopRate, limits.shopBurst);
  }

  /** Throws 429 when the client IP has no token left. Unknown IPs pass. */
  checkIp(ip: string | null | undefined) {
    if (!ip) return;
    const wait = this.byIp.take(ip, this.clock());
    if (wait > 0) throw rateLimited("client address", wait);
  }

  /** Throws 429 when the shop has no token left. */
  checkShop(shopDomain: string) {
    const wait = this.byShop.take(shopDomain, this.clock());
    if (wait > 0) throw rateLimited("shop", wait);
  }

  /**
   * Runs `work` as one of at most `maxInFlight` writes; past that it throws
   * 503 without starting it.
   */
  async withSlot<T>(work: () => Promise<T>): Promise<T> {
    if (this.inFlight >= this.limits.maxInFlight) {
      throw new IngestError(
        503,
        "overloaded",
        "The ingest server is at capacity: retry the same batch after 1 s",
        undefined,
        { "Retry-After": "1" },
      );
    }
    this.inFlight += 1;
    try {
      return await work();
    } finally {
      this.inFlight -= 1;
    }
  }

  get batchesInFlight(): number {
    return this.inFlight;
  }
}
