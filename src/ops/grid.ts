// The 2-D workgroup grid of 1-D work: ops spread many workgroups over x and y so no dimension
// exceeds the device's maxComputeWorkgroupsPerDimension (shaders index i = gid.x + gid.y * rowStride).

/** Splits `groups` workgroups over x and y so neither exceeds `maxPerDim`. */
export function grid2d(groups: number, maxPerDim: number): [number, number] {
  if (groups <= maxPerDim) return [Math.max(1, groups), 1];
  const y = Math.ceil(groups / maxPerDim);
  return [Math.ceil(groups / y), y];
}
