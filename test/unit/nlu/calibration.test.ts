import { expectedCalibrationError, fitTemperature, negativeLogLikelihood, softmax } from '../../../nodes/domain/nlu/calibration';
import { DEFAULT_CLASSIFIER_OPTIONS, getEmbeddedClassifier } from '../../../nodes/domain/nlu/embedded-classifier';
import { listIntentPacks, loadIntentPack } from '../../../nodes/domain/nlu/packs';

function seededRandom(seed: number): () => number {
	let state = seed >>> 0;
	return () => {
		state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
		return state / 4294967296;
	};
}

describe('softmax and temperature', () => {
	it('sums to one and sharpens or flattens with the temperature', () => {
		const logits = [2, 1, 0];
		const plain = softmax(logits);
		expect(plain.reduce((sum, value) => sum + value, 0)).toBeCloseTo(1, 12);
		expect(plain[0]).toBeCloseTo(Math.exp(2) / (Math.exp(2) + Math.exp(1) + 1), 12);
		expect(softmax(logits, 0.5)[0]).toBeGreaterThan(plain[0]);
		expect(softmax(logits, 2)[0]).toBeLessThan(plain[0]);
		expect(Array.from(softmax([1000, 0]))).toEqual([1, 0]);
	});

	it('recovers the temperature that generated the labels', () => {
		const random = seededRandom(42);
		for (const trueTemperature of [0.5, 2]) {
			const logits: number[][] = [];
			const labels: number[] = [];
			for (let row = 0; row < 4000; row++) {
				const rowLogits = [0, 1, 2, 3].map(() => random() * 6 - 3);
				const probabilities = softmax(rowLogits, trueTemperature);
				let draw = random();
				let label = 0;
				while (label < 3 && draw >= probabilities[label]) draw -= probabilities[label++];
				logits.push(rowLogits);
				labels.push(label);
			}
			const fitted = fitTemperature(logits, labels);
			expect(fitted).toBeGreaterThan(trueTemperature * 0.9);
			expect(fitted).toBeLessThan(trueTemperature * 1.1);
			expect(negativeLogLikelihood(logits, labels, fitted)).toBeLessThanOrEqual(negativeLogLikelihood(logits, labels, 1));
		}
	});
});

describe('expectedCalibrationError', () => {
	it('matches a hand computation', () => {
		// Bin 0.9–1.0: confidence 0.95, accuracy 1/2 → gap 0.45, weight 2/4.
		// Bin 0.5–0.6: confidence 0.55, accuracy 2/2 → gap 0.45, weight 2/4.
		const { ece, bins } = expectedCalibrationError([0.95, 0.95, 0.55, 0.55], [true, false, true, true]);
		expect(ece).toBeCloseTo(0.45, 12);
		expect(bins[9]).toMatchObject({ count: 2, accuracy: 0.5 });
		expect(bins[9].meanConfidence).toBeCloseTo(0.95, 12);
		expect(bins[5]).toMatchObject({ count: 2, accuracy: 1 });
		expect(expectedCalibrationError([1, 0.7], [true, true]).ece).toBeCloseTo(0.15, 12);
		expect(expectedCalibrationError([], []).ece).toBe(0);
	});
});

describe('calibration of the shipped packs (out-of-fold)', () => {
	/**
	 * The bound: even a perfectly calibrated model has a non-zero ECE on a finite sample. We simulate
	 * one with the same confidence histogram (each prediction right with probability = its
	 * confidence) and take the 95th percentile of its ECE as the noise floor; temperature scaling
	 * has a single parameter and cannot fix every bin, so we allow 0.03 on top of that floor.
	 */
	function noiseFloor(bins: Array<{ count: number; meanConfidence: number }>): number {
		const random = seededRandom(7);
		const confidences = bins.flatMap((bin) => new Array<number>(bin.count).fill(bin.meanConfidence));
		const simulated: number[] = [];
		for (let run = 0; run < 200; run++) {
			simulated.push(expectedCalibrationError(confidences, confidences.map((confidence) => random() < confidence)).ece);
		}
		return simulated.sort((left, right) => left - right)[Math.floor(0.95 * simulated.length)];
	}

	it.each(listIntentPacks())('%s: temperature scaling brings the ECE down to the sampling-noise level', (name) => {
		const { calibration } = getEmbeddedClassifier(loadIntentPack(name).intents);
		expect(calibration.skipped).toBeUndefined();
		expect(calibration.folds).toBe(DEFAULT_CLASSIFIER_OPTIONS.calibrationFolds);
		expect(calibration.examples).toBeGreaterThan(400);
		const floor = noiseFloor(calibration.bins);
		expect(floor).toBeGreaterThan(0.005);
		expect(floor).toBeLessThan(0.05);
		expect(calibration.eceAfter).toBeLessThan(floor + 0.03);
		expect(calibration.eceAfter).toBeLessThan(calibration.eceBefore);
	});
});
