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

  /** Forgets the steps done in every lesson. */
  forgetAll(): void {
    for (const lesson of this.lessons) this.store.setPassed(lesson.id, []);
    this.runner.forget();
  }
}
