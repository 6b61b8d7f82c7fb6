let t = performance.now();
await import('typebox'); console.log('typebox', Math.round(performance.now() - t)); t = performance.now();
await import('typebox/compile'); console.log('typebox/compile', Math.round(performance.now() - t)); t = performance.now();
await import('@eventide/core'); console.log('core rest', Math.round(performance.now() - t)); t = performance.now();
