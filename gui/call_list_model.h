#pragma once
// The call list: a table model over CallRow snapshots (row = call index, since calls are only
// appended), updated by the deltas the reading thread publishes; and the proxy that sorts it and
// filters it by free text and by a group of states.

#include <QAbstractTableModel>
#include <QSortFilterProxyModel>
#include <deque>
#include <vector>

#include "gui/snapshots.h"
#include "session/call_fields.h"
#include "session/call_filter.h"

namespace sipws::gui {

class CallListModel final : public QAbstractTableModel {
  Q_OBJECT

 public:
  // The columns are session/call_fields' gui_call_fields(), in that order: a field added there
  // is a column here, with its title, width, value, sorting and place in the filter's text.
  static int fieldColumns() { return static_cast<int>(gui_call_fields().size()); }
  // The column that shows `field`, or -1.
  static int columnOf(CallField field);
  enum Role { SortRole = Qt::UserRole + 1, CallIndexRole, StateRole, SearchTextRole, MediaRole };

  using QAbstractTableModel::QAbstractTableModel;

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role) const override;
  // The column's width in ems, from the field table.
  static int columnWidth(int column);
  static CallField fieldOf(int column) {
    return gui_call_fields()[static_cast<std::size_t>(column)];
  }

  // Rows for new calls are appended, rows for known calls replaced.
  void apply(const std::vector<CallRow>& rows);
  // What finishing the analysis changed in rows the model has.
  void applyEndings(const std::vector<CallRowEnding>& endings);
  void clear();
  const CallRow* row(int r) const;
  // Times are shown relative to the first call's start.
  TimeNs origin() const { return origin_; }

 private:
  // A deque: a vector's doubling held up to twice the rows, and both copies while it grew (on a
  // capture of 154,517 calls the rows' peak was 362 MB; heaptrack).
  std::deque<CallRow> rows_;
  TimeNs origin_ = 0;
};

// The colour a state is drawn in (text), shared by the call list and the ladder's title.
QColor state_colour(CallState state);

class CallFilterProxy final : public QSortFilterProxyModel {
  Q_OBJECT

 public:
  using StateGroup = sipws::StateGroup;  // session/call_filter: shared with every front end

  explicit CallFilterProxy(QObject* parent = nullptr);
  void setText(const QString& text);
  void setStateGroup(StateGroup group);
  // Only calls whose media went one way or not at all (the quick filter for "no audio").
  void setMediaProblems(bool only);
  static bool inGroup(CallState state, StateGroup group);

 protected:
  bool filterAcceptsRow(int source_row, const QModelIndex& source_parent) const override;

 private:
  QString text_;
  StateGroup group_ = StateGroup::all;
  bool media_problems_ = false;
};

}  // namespace sipws::gui
