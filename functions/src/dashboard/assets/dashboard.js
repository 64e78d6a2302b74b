// Kantong dashboard: draws the charts from data-* attributes (no inline scripts, so the
// Content-Security-Policy can forbid them) and marks each canvas once drawn.
(() => {
  const rupiah = (value) => `Rp${Math.round(value).toLocaleString('id-ID')}`;
  const draw = () => {
    if (typeof window.Chart !== 'function') return;
    for (const canvas of document.querySelectorAll('canvas[data-chart]')) {
      if (canvas.dataset.rendered === 'true') continue;
      const spec = JSON.parse(canvas.dataset.chart);
      const line = spec.type === 'line';
      new window.Chart(canvas, {
        type: spec.type,
        data: {
          labels: spec.labels,
          datasets: spec.datasets.map((set) => ({
            label: set.label,
            data: set.data,
            backgroundColor: set.color,
            borderColor: set.color,
            borderWidth: line ? 2 : 0,
            tension: 0.2,
            pointRadius: line ? 2 : 0,
          })),
        },
        options: {
          responsive: true,
          maintainAspectRatio: false,
          animation: false,
          plugins: {
            legend: { display: spec.datasets.length > 1 },
            tooltip: { callbacks: { label: (item) => `${item.dataset.label}: ${rupiah(item.parsed.y)}` } },
          },
          scales: { y: { beginAtZero: true, ticks: { callback: (value) => rupiah(value) } } },
        },
      });
      canvas.dataset.rendered = 'true';
    }
  };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', draw);
  else draw();
  // The book switcher opens the chosen book at once; without script its "Buka" button does.
  const autosubmit = () => {
    for (const select of document.querySelectorAll('select[data-autosubmit]'))
      select.addEventListener('change', () => select.form?.requestSubmit());
  };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', autosubmit);
  else autosubmit();
})();
