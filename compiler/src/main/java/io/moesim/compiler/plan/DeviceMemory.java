package io.moesim.compiler.plan;

/** What one device must hold, in bytes, against its capacity. */
public record DeviceMemory(int device, long weightBytes, long kvCacheBytes, long activationBytes, long capacityBytes) {

    public long totalBytes() {
        return weightBytes + kvCacheBytes + activationBytes;
    }

    public boolean fits() {
        return totalBytes() <= capacityBytes;
    }
}
