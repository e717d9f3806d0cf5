#pragma once
// The findings panel's model: one row per finding of the capture (severity, id, frame, call,
// detail), appended as the reading thread publishes them.

#include <QAbstractTableModel>
#include <vector>

#include "gui/snapshots.h"

namespace sipws::gui {

class FindingsModel final : public QAbstractTableModel {
  Q_OBJECT

 public:
  enum Column { kSeverity, kId, kFrame, kMessage, kDetail, kColumnCount };
  enum Role { MessageRole = Qt::UserRole + 1, CallRole };

  using QAbstractTableModel::QAbstractTableModel;

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

  void append(const std::vector<FindingRow>& rows);
  void replace(const std::vector<FindingRow>& rows);
  const FindingRow* row(int r) const;

 private:
  std::vector<FindingRow> rows_;
};

}  // namespace sipws::gui
