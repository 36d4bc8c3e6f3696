#!/usr/bin/env bash
# A sweep as a SLURM job array: each array task runs one shard of the cases.
#
#     sbatch --array=0-7 scripts/slurm_sweep.sh cases/sweeps/gate_permittivity_vs_radius.toml \
#         out/sweeps/gate
#
# Task I of N runs the cases k with k % N == I (`pnp sweep --shard I/N`); every task
# writes into the same folder (on a shared file system), the folder lock keeps the
# summary consistent, and a re-submitted array resumes: finished cases are skipped.
# Within a task, the ranks of `srun` form groups of RANKS_PER_CASE ranks that run
# cases at once (RANKS_PER_CASE=1: as many cases at once as ranks). When every task
# is done, draw the maps:  pnp map out/sweeps/gate --log-x --log-y
#
# Adjust the resources below; the environment (module loads, the venv) to your cluster.
#SBATCH --job-name=pnp-sweep
#SBATCH --ntasks=4
#SBATCH --cpus-per-task=1
#SBATCH --time=02:00:00
#SBATCH --output=pnp-sweep-%A_%a.log
set -euo pipefail

if [[ $# -lt 2 ]]; then
    echo "usage: sbatch --array=0-N scripts/slurm_sweep.sh SWEEP.toml OUT_DIR [pnp sweep options]" >&2
    exit 2
fi
sweep="$1"
out="$2"
shift 2

root="${SLURM_SUBMIT_DIR:-$(pwd)}"
pnp="${PNP:-$root/.venv/bin/pnp}"
index="${SLURM_ARRAY_TASK_ID:-0}"
count="${SLURM_ARRAY_TASK_COUNT:-1}"
# --array=A-B with A > 0 or a step: number the tasks from 0 ourselves
if [[ -n ${SLURM_ARRAY_TASK_MIN:-} && -n ${SLURM_ARRAY_TASK_STEP:-} ]]; then
    index=$(((SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN) / SLURM_ARRAY_TASK_STEP))
fi
export OMP_NUM_THREADS=1

srun "$pnp" sweep "$sweep" --out "$out" --shard "$index/$count" \
    --ranks-per-case "${RANKS_PER_CASE:-1}" "$@"
