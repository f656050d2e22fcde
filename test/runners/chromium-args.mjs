// Chromium flags for headless WebGPU on GPU-less machines (see RUNTIMES.md): WebGPU through
// ANGLE's OpenGL ES on llvmpipe (faster than SwiftShader), no network chatter, fresh profile.

export function chromiumArgs(profileDir) {
  return [
    '--headless=new',
    '--no-sandbox',
    '--enable-unsafe-webgpu',
    '--use-angle=gl-egl',
    '--use-webgpu-adapter=opengles',
    '--enable-webgpu-developer-features',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--disable-quic',
    '--disable-dev-shm-usage',
    `--user-data-dir=${profileDir}`,
  ];
}
