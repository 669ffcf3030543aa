// The course: every lesson, the one being followed, and how far the learner got in each. Moving
// between lessons keeps each lesson's steps done (ProgressStore); the page puts the lesson and
// step (`place`) in its URL so a link opens exactly there.
import type { Lesson } from "../lessons/catalog";
import { LessonRunner, type LessonRunnerOptions } from "./lesson.svelte";
import type { ProgressStore } from "./progress";

export interface Place {
  lesson: Lesson;
  /** The open step's index. */
  step: number;
}

export type CurriculumOptions = LessonRunnerOptions;

/** The lesson's part of a snapshot: where the learner was and the steps done there. */
export interface LessonSnapshot {
  lesson: string;
  /** the open step's index */
  step: number;
  /** the open lesson's steps done (ids) */
  done: string[];
}

export function isLessonSnapshot(value: unknown): value is LessonSnapshot {
  const v = value as Partial<LessonSnapshot> | null;
  return typeof v?.lesson === "string" && typeof v.step === "number" && Array.isArray(v.done) && v.done.every((d) => typeof d === "string");
}

export class Curriculum {
  runner = $state<LessonRunner>() as LessonRunner;
  /** Steps done per lesson id, for the lesson list. */
  done = $state<Record<string, number>>({});
  // $derived.by: `lessons` is set by the constructor, and deriveds are read only after it.
  index = $derived.by(() => this.lessons.indexOf(this.runner.lesson));
  previous = $derived.by<Lesson | null>(() => this.lessons[this.index - 1] ?? null);
  next = $derived.by<Lesson | null>(() => this.lessons[this.index + 1] ?? null);
  private readonly store: ProgressStore;

  constructor(
    readonly lessons: Lesson[],
    start: Place,
    private readonly options: CurriculumOptions,
  ) {
    // Every change of steps done shows in the lesson list at once.
    this.store = {
      passed: (id) => options.store.passed(id),
      setPassed: (id, steps) => {
        options.store.setPassed(id, steps);
        this.done[id] = steps.length;
      },
    };
    for (const lesson of lessons) this.done[lesson.id] = this.countDone(lesson);
    this.runner = this.runnerFor(start.lesson);
    if (start.step >= 0) this.runner.activeIndex = start.step;
  }

  private countDone(lesson: Lesson): number {
    const passed = new Set(this.store.passed(lesson.id));
    return lesson.steps.filter((s) => passed.has(s.id)).length;
  }

  private runnerFor(lesson: Lesson): LessonRunner {
    return new LessonRunner(lesson, { ...this.options, store: this.store });
  }

  /** Where the learner is, for the URL (reactive). */
  get place(): Place {
    return { lesson: this.runner.lesson, step: this.runner.activeIndex };
  }

  /** Opens a lesson (at its first step not done, or at `step`); the old one stops checking. */
  select(lesson: Lesson, step = -1): LessonRunner {
    if (lesson !== this.runner.lesson) {
      this.runner.stopPolling();
      this.runner = this.runnerFor(lesson);
    }
    if (step >= 0) this.runner.open(step);
    return this.runner;
  }

  /** What a snapshot keeps of the course. */
  snapshot(): LessonSnapshot {
    const runner = this.runner;
    return { lesson: runner.lesson.id, step: runner.activeIndex, done: runner.steps.filter((s) => s.status === "passed").map((s) => s.step.id) };
  }

  /**
   * The machine was put back as a snapshot saved it: that lesson opens at that step, with the
   * steps done then (unless `lessonId` names another lesson: the learner followed a link).
   * Returns the runner to check, or null when the snapshot names no lesson of this course.
   */
  restore(saved: LessonSnapshot, lessonId = saved.lesson): LessonRunner | null {
    const lesson = this.lessons.find((l) => l.id === lessonId);
    if (!lesson) return null;
    if (lesson.id === saved.lesson) {
      const known = new Set(lesson.steps.map((s) => s.id));
      this.store.setPassed(
        lesson.id,
        saved.done.filter((id) => known.has(id)),
      );
    }
    this.runner.stopPolling();
    this.runner = this.runnerFor(lesson);
    if (lesson.id === saved.lesson && saved.step >= 0 && saved.step < lesson.steps.length) this.runner.activeIndex = saved.step;
    if (lesson.id === saved.lesson) this.runner.machineRestored();
    else this.runner.machineReplaced();
    return this.runner;
  }

  /** Forgets the steps done in every lesson. */
  forgetAll(): void {
    for (const lesson of this.lessons) this.store.setPassed(lesson.id, []);
    this.runner.forget();
  }
}
