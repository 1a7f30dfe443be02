/**
 * The deployed entry point (`main` in package.json): registers all four Cloud Functions, so one
 * source deploy serves any of them and `--entry-point` (or `--target` locally) selects which.
 * Each registration builds its context lazily, so importing the others costs nothing at run time.
 */
import './cluster-lifecycle/index.ts';
import './health-alerts/index.ts';
import './git-push/index.ts';
import './tick/index.ts';
