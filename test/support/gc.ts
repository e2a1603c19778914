import v8 from 'node:v8';
import vm from 'node:vm';

/** A full garbage collection, for tests that compare heap sizes (works without starting Node with --expose-gc). */
export function exposedGc(): () => void {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  return () => {
    gc();
    gc();
  };
}
